"""The line merge of ``scaffold update``: git merge-file under scaffold's markers, newlines and
checks (test_merge.py has the merge's file-level cases and the other strategies)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.errors import ExitCode, ToolError
from scaffold.lifecycle.merge import Action, FileMerge, merge_file, merge_text
from scaffold.lifecycle.merge import text as merge_text_module
from scaffold.tools import runner
from tests.conftest import IN_CI

LABELS = {"ours_label": "project", "theirs_label": "template v2", "base_label": "template v1"}
REAL_RUN = runner.run


def text(base: str | None, ours: str | None, theirs: str | None) -> FileMerge:
    return merge_text(base, ours, theirs, **LABELS)


def lines(*items: str, newline: str = "\n") -> str:
    return "".join(f"{item}{newline}" for item in items)


def conflict(ours: list[str], base: list[str], theirs: list[str]) -> list[str]:
    return [
        "<<<<<<< project", *ours, "||||||| template v1", *base, "=======", *theirs,
        ">>>>>>> template v2",
    ]  # fmt: skip


@pytest.fixture
def merge_files() -> Iterator[list[list[str]]]:
    """Every git merge-file that runs, by its argv (the real git still runs)."""
    calls: list[list[str]] = []

    def counting(argv: list[str], **kwargs: Any) -> runner.Completed:
        if "merge-file" in argv:
            calls.append(list(argv))
        return REAL_RUN(argv, **kwargs)

    runner.set_runner(counting)
    try:
        yield calls
    finally:
        runner.set_runner(None)


# --- what both sides did -----------------------------------------------------------------------


def test_the_same_change_on_both_sides_is_taken_once_beside_their_own_changes() -> None:
    base = lines("a", "b", "c", "d", "e", "f", "g")
    ours = lines("A", "b", "c", "d", "e", "F", "g")
    theirs = lines("A", "b", "C", "d", "e", "f", "g")
    assert text(base, ours, theirs) == FileMerge(
        lines("A", "b", "C", "d", "e", "F", "g"), Action.UPDATED
    )


def test_the_same_line_added_by_both_is_not_doubled() -> None:
    base = lines("a", "b", "c", "d", "e")
    ours = lines("a", "new", "b", "c", "d", "e")
    theirs = lines("a", "new", "b", "c", "d", "e", "f")
    assert text(base, ours, theirs).content == lines("a", "new", "b", "c", "d", "e", "f")


def test_a_conflict_keeps_both_sides_and_the_base_between_them() -> None:
    base = lines("top", "x = 1", "bottom")
    ours = lines("top", "x = 2  # ours", "bottom")
    theirs = lines("top", "x = 3", "y = 4", "bottom")
    result = text(base, ours, theirs)
    assert result.content == lines(
        "top", *conflict(["x = 2  # ours"], ["x = 1"], ["x = 3", "y = 4"]), "bottom"
    )
    [found] = result.conflicts
    assert found.lines == (2, 9)
    assert (
        found.reason == "project and template v2 both changed the same lines; marked at lines 2-9"
    )


def test_lines_both_inserted_at_one_place_conflict_only_where_they_differ() -> None:
    base = lines("a", "z")
    ours = lines("a", "p", "mine", "r", "z")
    theirs = lines("a", "p", "yours", "r", "z")
    result = text(base, ours, theirs)
    assert result.content == lines("a", "p", *conflict(["mine"], [], ["yours"]), "r", "z")
    [found] = result.conflicts
    assert found.reason == (
        "project and template v2 both added different lines; marked at lines 3-8"
    )


def test_added_by_both_conflicts_close_together_are_one_as_in_git() -> None:
    """git joins conflicts with three lines or fewer between them, and keeps them apart
    further away (or with only blank or punctuation lines between them, joined too)."""
    near = text(None, lines("x", "A", "y", "B", "z"), lines("x", "C", "y", "D", "z"))
    assert near.content == lines("x", *conflict(["A", "y", "B"], [], ["C", "y", "D"]), "z")
    apart = ["y1", "y2", "y3", "y4"]
    far = text(None, lines("x", "A", *apart, "B", "z"), lines("x", "C", *apart, "D", "z"))
    assert far.content == lines(
        "x", *conflict(["A"], [], ["C"]), *apart, *conflict(["B"], [], ["D"]), "z"
    )
    assert [found.lines for found in far.conflicts] == [(2, 7), (12, 17)]


# --- newlines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("base_nl", ["\n", "\r\n"])
@pytest.mark.parametrize("ours_nl", ["\n", "\r\n"])
@pytest.mark.parametrize("theirs_nl", ["\n", "\r\n"])
def test_the_merge_keeps_the_projects_newlines(base_nl: str, ours_nl: str, theirs_nl: str) -> None:
    base = lines("a", "b", "c", "d", "e", newline=base_nl)
    ours = lines("A", "b", "c", "d", "e", newline=ours_nl)
    theirs = lines("a", "b", "c", "d", "E", newline=theirs_nl)
    assert text(base, ours, theirs).content == lines("A", "b", "c", "d", "E", newline=ours_nl)


def test_conflict_markers_in_a_crlf_file_end_with_crlf() -> None:
    base = lines("a", "b", "c", newline="\r\n")
    ours = lines("a", "mine", "c", newline="\r\n")
    theirs = lines("a", "yours", "c")
    result = text(base, ours, theirs)
    assert result.content == lines("a", *conflict(["mine"], ["b"], ["yours"]), "c", newline="\r\n")


def test_a_line_that_ends_with_a_carriage_return_keeps_it() -> None:
    # "\r\r\n" is a line ending in "\r", then a CRLF; git then ends its markers with "\r" too.
    ours = "x\r\r\ny\r\r\n"
    result = text(lines("a", "b"), ours, lines("p", "q"))
    assert result.content == "\r\n".join(conflict(["x\r", "y\r"], ["a", "b"], ["p", "q"])) + "\r\n"
    clean = text(
        lines("a", "b", "c", "d", "e"),
        "a\r\r\nb\r\nc\r\nd\r\ne\r\n",
        lines("a", "b", "c", "d", "E"),
    )
    assert clean.content == "a\r\r\nb\r\nc\r\nd\r\nE\r\n"


def test_only_a_newline_change_on_one_side_is_no_change_of_its_lines(
    merge_files: list[list[str]],
) -> None:
    base = lines("a", "b", "c")
    crlf = lines("a", "b", "c", newline="\r\n")
    assert text(base, crlf, lines("a", "b", "C")).content == lines("a", "b", "C", newline="\r\n")
    assert text(base, lines("a", "B", "c"), crlf).content == lines("a", "B", "c")
    assert text(base, "a\nb\nc", lines("a", "b", "C")).content == "a\nb\nC"
    assert merge_files == []  # one side changed no line: nothing for git to merge


# --- a final newline, empty files --------------------------------------------------------------


def test_a_conflict_on_the_last_line_without_a_newline_keeps_the_file_without_one() -> None:
    result = text("a\nb", "a\nmine", "a\nyours")
    assert result.content == "\n".join(["a", *conflict(["mine"], ["b"], ["yours"])])


def test_the_project_ending_its_file_with_a_newline_is_kept() -> None:
    assert text("a\nb\nc", "A\nb\nc\n", "a\nb\nC").content == "A\nb\nC\n"


def test_an_empty_file_both_filled_differently_conflicts_only_where_they_differ() -> None:
    result = text("", lines("head", "mine", "tail"), lines("head", "yours", "tail"))
    assert result.content == lines("head", *conflict(["mine"], [], ["yours"]), "tail")


def test_the_project_emptying_a_file_the_template_changed_conflicts() -> None:
    result = text(lines("a", "b"), "", lines("a", "B"))
    assert result.content == lines(*conflict([], ["a", "b"], ["a", "B"]))
    assert result.action is Action.CONFLICT


def test_the_template_emptying_a_file_the_project_changed_conflicts() -> None:
    result = text(lines("a", "b"), lines("a", "B"), "")
    assert result.content == lines(*conflict(["a", "B"], ["a", "b"], []))


def test_the_template_emptying_a_file_the_project_left_alone_empties_it() -> None:
    assert text(lines("a", "b"), lines("a", "b"), "") == FileMerge("", Action.UPDATED)


# --- lines that look like markers --------------------------------------------------------------

LEFT_OVER = conflict(["mine"], ["old"], ["yours"])  # an earlier update's conflict, not resolved


def test_an_earlier_conflict_left_in_the_file_is_only_a_line_of_ours() -> None:
    base = lines("a", "old", "b", "c", "d", "e")
    ours = lines("a", *LEFT_OVER, "b", "c", "d", "e")
    theirs = lines("a", "old", "b", "c", "d", "E")
    result = text(base, ours, theirs)
    assert result == FileMerge(lines("a", *LEFT_OVER, "b", "c", "d", "E"), Action.UPDATED)


def test_a_new_conflict_beside_an_earlier_one_is_the_only_one_listed() -> None:
    base = lines("a", "old", "b", "c", "d", "e")
    ours = lines("a", *LEFT_OVER, "b", "c", "d", "ours")
    theirs = lines("a", "old", "b", "c", "d", "theirs")
    result = text(base, ours, theirs)
    assert result.content == lines(
        "a", *LEFT_OVER, "b", "c", "d", *conflict(["ours"], ["e"], ["theirs"])
    )
    assert [found.lines for found in result.conflicts] == [(12, 18)]


def test_lines_of_marker_characters_inside_a_conflict_stay_in_their_section() -> None:
    ours = ["Mine", "=======", "<<<<<<<<<<<<", "x"]
    base = ["Title", "|||||||"]
    theirs = ["Yours", "=======", ">>>>>>>", "y"]
    result = text(lines(*base), lines(*ours), lines(*theirs))
    assert result.content == lines(*conflict(ours, base, theirs))
    assert [found.lines for found in result.conflicts] == [(1, 14)]


def test_more_conflicts_than_gits_exit_code_counts_are_all_listed() -> None:
    count = 200
    base = lines(*(line for i in range(count) for line in (f"line {i}", f"keep {i}")))
    ours = base.replace("line", "ours")
    theirs = base.replace("line", "theirs")
    result = text(base, ours, theirs)
    assert len(result.conflicts) == count
    numbered = (result.content or "").splitlines()
    for found in result.conflicts:
        assert found.lines is not None
        assert numbered[found.lines[0] - 1] == "<<<<<<< project"
        assert numbered[found.lines[1] - 1] == ">>>>>>> template v2"


# --- large files -------------------------------------------------------------------------------


def test_a_large_file_merges_changes_at_both_ends_quickly() -> None:
    size = 100_000
    body = [f"value_{i} = {i % 7}" for i in range(size)]
    base = lines(*body)
    ours = lines("# the project's header", *body[1:])
    theirs = lines(*body[:-1], "# the template's footer")
    started = time.monotonic()
    result = text(base, ours, theirs)
    assert time.monotonic() - started < 10
    assert result.content == lines("# the project's header", *body[1:-1], "# the template's footer")


# --- git: once per real merge, and never a failure taken for a merge ---------------------------


def test_git_runs_once_per_file_that_needs_a_three_way_merge(merge_files: list[list[str]]) -> None:
    base = lines("a", "b", "c", "d", "e")
    ours = lines("A", "b", "c", "d", "e")
    theirs = lines("a", "b", "c", "d", "E")
    for sides in [(base, ours, base), (base, base, theirs), (base, ours, ours), (None, ours, ours)]:
        text(*sides)
    assert merge_files == []
    text(base, ours, theirs)
    text(None, ours, theirs)
    [diff3, added] = merge_files
    assert "--diff3" in diff3
    assert "--diff3" not in added  # both added the file: git's default style, refined conflicts
    for argv in merge_files:
        assert "core.hooksPath=/dev/null" in argv  # through scaffold's runner, its git settings
        assert "merge.conflictStyle=merge" in argv


def test_the_users_git_configuration_does_not_change_the_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def merges() -> list[FileMerge]:
        return [
            text(lines("a", "b", "c"), lines("a", "mine", "c"), lines("a", "yours", "c")),
            text(None, lines("x", "mine", "y"), lines("x", "yours", "y")),
        ]

    expected = merges()
    # git reads its configuration for merge-file in a repository (before 2.44, only there):
    # the temporary files are in one here, and the user's configuration names a style.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    repository = tmp_path / "repository"
    repository.mkdir()
    assert (done := runner.git("init", "-q", cwd=repository)) is not None
    assert done.ok, done.output
    monkeypatch.setattr(tempfile, "tempdir", str(repository))
    for side, content in {"o": "x\nmine\ny\n", "b": "", "t": "x\nyours\ny\n"}.items():
        (repository / side).write_text(content)
    for style in ("zdiff3", "diff3"):
        (tmp_path / ".gitconfig").write_text(f"[merge]\n\tconflictStyle = {style}\n")
        plain = runner.git("merge-file", "-p", "o", "b", "t", cwd=repository)
        assert plain is not None
        assert "|||||||" in plain.output  # git itself follows the configuration here
        assert merges() == expected


def test_the_three_files_are_in_a_private_folder_removed_afterwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[Path] = []

    def looking(argv: list[str], **kwargs: Any) -> runner.Completed:
        folder = Path(kwargs["cwd"])
        seen.append(folder)
        assert folder.parent == tmp_path
        assert folder.stat().st_mode & 0o077 == 0
        assert sorted(path.name for path in folder.iterdir()) == ["base", "ours", "theirs"]
        return REAL_RUN(argv, **kwargs)

    runner.set_runner(looking)
    try:
        text(lines("a", "b"), lines("A", "b"), lines("a", "B"))
        runner.set_runner(failing(255))
        with pytest.raises(ToolError):
            text(lines("a", "b"), lines("A", "b"), lines("a", "B"))
    finally:
        runner.set_runner(None)
    assert seen
    assert list(tmp_path.iterdir()) == []


def failing(
    returncode: int,
    output: str = "",
    *,
    timed_out: bool = False,
    result: Callable[[Path], None] | None = None,
) -> runner.Runner:
    """A git that ends so, having written ``result`` (or nothing) into ours' file."""

    def run(argv: list[str], **kwargs: Any) -> runner.Completed:
        if result is not None:
            result(Path(argv[-3]))
        return runner.Completed(tuple(argv), returncode, output, 0.0, timed_out=timed_out)

    return run


def _write(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content)


@pytest.mark.parametrize(
    ("git", "said"),
    [
        pytest.param(failing(255, "error: Cannot merge binary files: ours"), "exit code 255",
                     id="error"),
        pytest.param(failing(129, "usage: git merge-file"), "exit code 129", id="usage"),
        pytest.param(failing(128, "fatal: bad config"), "exit code 128", id="fatal"),
        pytest.param(failing(-9), "exit code -9", id="killed"),
        pytest.param(failing(-1, timed_out=True), "timed out", id="timed-out"),
        pytest.param(failing(1, result=_write("a\n")), "reported 1 conflicts but marked 0",
                     id="no-markers"),
        pytest.param(failing(0, result=_write("<<<<<<< ours\nA\n||||||| base\na\n=======\n"
                                              "a\n>>>>>>> theirs\n")),
                     "reported 0 conflicts but marked 1", id="unreported-conflict"),
        pytest.param(failing(1, result=_write("<<<<<<< ours\nA\n=======\na\n>>>>>>> theirs\n")),
                     "do not parse", id="no-base-section"),
        pytest.param(failing(0, result=_write("a\nb")), "do not parse", id="cut-short"),
        pytest.param(failing(0, result=lambda path: path.write_bytes(b"\xff\n")), "not UTF-8",
                     id="not-utf8"),
    ],
)  # fmt: skip
def test_a_git_that_fails_is_an_error_never_a_merge(git: runner.Runner, said: str) -> None:
    runner.set_runner(git)
    try:
        with pytest.raises(ToolError) as raised:
            merge_file("src/app.py", b"a\nb\n", b"A\nb\n", b"a\nB\n")
    finally:
        runner.set_runner(None)
    assert raised.value.message.startswith("src/app.py: git merge-file cannot merge the file")
    assert said in raised.value.message
    assert raised.value.exit_code is ExitCode.USAGE  # planned before anything is written


def test_no_git_is_an_error_naming_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "git_binary", lambda: None)
    assert text(lines("a"), lines("a"), lines("b")).content == lines("b")  # no merge, no git
    with pytest.raises(ToolError) as raised:
        merge_file("Dockerfile", "a\nb\n", "A\nb\n", "a\nB\n")
    assert raised.value.message.startswith("Dockerfile: git is not installed")
    assert raised.value.hint == "install git"


# --- laws, on git's merge itself (merge_text settles the cases these are, without git) ----------

# Lines that look like conflict markers, so that the markers git writes are told from them.
LINES = st.lists(
    st.sampled_from(["a", "b", "c", "", "x = 1", "=======", "<<<<<<< project", ">>>>>>>"]),
    max_size=8,
)
LAWS = settings(max_examples=200 if IN_CI else 60, deadline=None, database=None)


def git_merge(base: list[str], ours: list[str], theirs: list[str]) -> list[Any]:
    return merge_text_module._merge_file(base, ours, theirs)


def resolved(pieces: list[Any], side: str) -> list[str]:
    """The merged lines with every conflict settled for one side."""
    out: list[str] = []
    for piece in pieces:
        out.extend([piece] if isinstance(piece, str) else getattr(piece, side))
    return out


@LAWS
@given(LINES, LINES)
def test_law_git_takes_theirs_where_the_project_changed_nothing(
    base: list[str], theirs: list[str]
) -> None:
    assert git_merge(base, base, theirs) == theirs


@LAWS
@given(LINES, LINES)
def test_law_git_keeps_ours_where_the_template_changed_nothing(
    base: list[str], ours: list[str]
) -> None:
    assert git_merge(base, ours, base) == ours


@LAWS
@given(LINES, LINES)
def test_law_git_takes_the_same_change_on_both_sides_once(base: list[str], both: list[str]) -> None:
    assert git_merge(base, both, both) == both


@LAWS
@given(LINES, LINES, LINES)
def test_law_git_loses_no_line_either_side_added(
    base: list[str], ours: list[str], theirs: list[str]
) -> None:
    pieces = git_merge(base, ours, theirs)
    for side, lines_of_side in (("ours", ours), ("theirs", theirs)):
        added = [line for line in lines_of_side if line not in base]
        remaining = iter(resolved(pieces, side))
        assert all(line in remaining for line in added), side  # in order
    for piece in pieces:
        if not isinstance(piece, str):  # a conflict holds a stretch of each side
            assert _is_slice(piece.ours, ours)
            assert _is_slice(piece.theirs, theirs)
            assert _is_slice(piece.base, base)


def _is_slice(part: list[str], whole: list[str]) -> bool:
    return any(whole[i : i + len(part)] == part for i in range(len(whole) - len(part) + 1))


@LAWS
@given(LINES, LINES, LINES, st.booleans())
def test_law_a_conflict_in_the_file_holds_both_sides_text(
    base: list[str], ours: list[str], theirs: list[str], crlf: bool
) -> None:
    newline = "\r\n" if crlf else "\n"
    result = text(lines(*base), lines(*ours, newline=newline), lines(*theirs))
    content = result.content or ""
    if crlf and ours:  # the merge is written in ours' newlines (an empty file has none)
        assert "\n" not in content.replace("\r\n", "")
    merged = content.split(newline if ours else "\n")
    for found in result.conflicts:
        assert found.lines is not None
        first, last = found.lines
        block = merged[first - 1 : last]
        assert block[0] == "<<<<<<< project"
        assert block[-1] == ">>>>>>> template v2"
        # The file's own lines may look like the separator: some reading must fit.
        middle = block.index("||||||| template v1")
        assert any(
            _is_slice(block[1:middle], ours)
            and _is_slice(block[middle + 1 : at], base)
            and _is_slice(block[at + 1 : -1], theirs)
            for at in range(middle + 1, len(block) - 1)
            if block[at] == "======="
        )
