"""Write the ``LICENSE.jinja`` of the templates that publish (lib, cli) from the pinned source.

    uv run --locked python scripts/licenses.py write   # after moving the pin in pyproject.toml
    uv run --locked python scripts/licenses.py check   # exit 1 when a template's copy differs

The texts are choosealicense.com's, as the ``pychoosealicense`` package of the ``licenses``
dependency group ships them: each license's file as choosealicense keeps it (hard-wrapped,
the title line centred where the license's own text centres it), its front matter dropped.
The placeholders choosealicense marks, ``[year]`` and ``[fullname]`` (only MIT and
BSD-3-Clause have them), become the ``copyright_year`` answer and the holder; every other text
is written as it is, its own placeholders (Apache-2.0's appendix, the GPL's "How to Apply")
included. The proprietary notice is scaffold's: SPDX has no text for "no license".
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = tuple(ROOT / "templates" / name / "LICENSE.jinja" for name in ("lib", "cli"))
SOURCE = "pychoosealicense"
# The templates' `license` choices, SPDX identifiers, and the name of each one's text in the
# package (choosealicense names the GPL's text by its version only; it is the same text for
# -only and -or-later, which differ in the notice a project puts in its files).
TEXTS = {
    "MIT": "mit",
    "BSD-3-Clause": "bsd-3-clause",
    "Apache-2.0": "apache-2.0",
    "MPL-2.0": "mpl-2.0",
    "GPL-3.0-or-later": "gpl-3.0",
}
PROPRIETARY = "LicenseRef-Proprietary"
_PROPRIETARY_NOTICE = """\
Copyright (c) [year] [fullname]
All rights reserved.

This software is proprietary. No license to use, copy, modify, merge, publish,
distribute, sublicense or sell it is granted, except by written agreement with
the copyright holder.
"""
# choosealicense's file: YAML front matter between two `---` lines, a blank line, the text.
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n\n", re.DOTALL)
# Every placeholder choosealicense defines (pychoosealicense's own list); only two are filled.
_PLACEHOLDER = re.compile(r"\[(fullname|login|email|project|description|year|projecturl)\]")
_FILLED = {"year": "{{ copyright_year }}", "fullname": "{{ holder }}"}


def source_text(spdx_id: str) -> str:
    """The license's text as the package ships it, choosealicense's placeholders left in."""
    raw = resources.files(f"{SOURCE}._licenses").joinpath(f"{TEXTS[spdx_id]}.txt")
    text = raw.read_text("utf-8").replace("\r\n", "\n")
    front = _FRONT_MATTER.match(text)
    if front is None or f"\nspdx-id: {spdx_id.removesuffix('-or-later')}\n" not in front[0]:
        raise ValueError(f"{raw}: not choosealicense's text of {spdx_id}")
    return text[front.end() :].rstrip("\n") + "\n"


def _jinja(spdx_id: str, text: str) -> str:
    for mark in ("{{", "{%", "{#", "}}", "%}", "#}"):
        if mark in text:
            raise ValueError(f"the text of {spdx_id} holds {mark!r}, which Jinja would read")

    def fill(match: re.Match[str]) -> str:
        if match[1] not in _FILLED:
            raise ValueError(f"the text of {spdx_id} has a placeholder scaffold does not fill")
        return _FILLED[match[1]]

    return _PLACEHOLDER.sub(fill, text)


def render() -> str:
    """The whole ``LICENSE.jinja``: one branch per choice, each text starting right after its
    tag, so that no Jinja whitespace control can eat a text's leading spaces."""
    version = metadata.version(SOURCE)
    texts = {spdx_id: source_text(spdx_id) for spdx_id in TEXTS}
    texts[PROPRIETARY] = _PROPRIETARY_NOTICE
    parts = [
        f"{{#- Written by scripts/licenses.py from {SOURCE} {version} (choosealicense.com's\n"
        "    texts): re-run it rather than edit this file. -#}\n"
        '{%- set holder = author or "the " ~ project_name ~ " authors" -%}\n'
    ]
    for index, (spdx_id, text) in enumerate(texts.items()):
        tag = "{%- if" if index == 0 else "{% elif"
        parts.append(f'{tag} license == "{spdx_id}" %}}{_jinja(spdx_id, text)}')
    parts.append("{% endif -%}\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    wanted = render()
    stale = [path for path in TARGETS if not path.is_file() or path.read_text("utf-8") != wanted]
    if args.command == "write":
        for path in stale:
            path.write_text(wanted, "utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)}: run scripts/licenses.py write")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
