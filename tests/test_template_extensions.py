"""A trusted copier template that loads its Jinja extensions from its own files through
copier-template-extensions (as many public templates do) renders with scaffold as with copier."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FAST, Cli
from tests.test_external import BASIC, write_tree

CONTEXT = """\
from copier_template_extensions import ContextHook


class ContextUpdater(ContextHook):
    def hook(self, context):
        return {"shouted": context["project_name"].upper()}
"""


@pytest.mark.parametrize(
    "loader",
    [
        "copier_template_extensions.TemplateExtensionLoader",
        "copier_templates_extensions.TemplateExtensionLoader",  # the old name templates still use
    ],
)
def test_a_template_extension_from_the_template_folder_works_under_trust(
    cli: Cli, tmp_path: Path, loader: str
) -> None:
    files = {
        **BASIC,
        "copier.yml": BASIC["copier.yml"]
        + f"_jinja_extensions:\n  - {loader}\n  - extensions/context.py:ContextUpdater\n",
        "extensions/context.py": CONTEXT,
        "SHOUT.txt.jinja": "{{ shouted }}\n",
    }
    template = write_tree(tmp_path / "template", files)
    out = tmp_path / "out"
    refused = cli("new", "my-svc", "--path", out, "--template", template, *FAST)
    assert refused.code == 2, refused
    assert not out.exists()
    done = cli("new", "my-svc", "--path", out, "--template", template, "--trust", *FAST)
    assert done.code == 0, done
    assert (out / "my-svc" / "SHOUT.txt").read_text() == "MY-SVC\n"
