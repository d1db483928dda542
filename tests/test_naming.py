"""Every naming rule as a table: what users type, what scaffold makes of it, what it refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaffold.create.naming import (
    check_package_name,
    check_project_name,
    check_stdlib,
    derive_names,
    stdlib_modules,
)
from scaffold.create.spec import SUPPORTED_PYTHONS
from scaffold.errors import ExitCode, UsageError
from tests.conftest import FAST, Cli

ACCEPTED = [
    ("my-api", "my-api", "my_api"),
    ("My API", "my-api", "my_api"),
    ("my_api", "my-api", "my_api"),
    ("MyApi", "my-api", "my_api"),
    ("my.api", "my-api", "my_api"),
    ("  my-api  ", "my-api", "my_api"),
    ("my--api__v2", "my-api-v2", "my_api_v2"),
    ("HTTPServer", "http-server", "http_server"),
    ("api2", "api2", "api2"),
    ("Café Service", "cafe-service", "cafe_service"),
    ("e\u0301cole", "ecole", "ecole"),  # an accent typed as a combining mark
    # Letters with no decomposition, spelled by anyascii's table: ß -> ss, Ø -> O, Æ -> Ae.
    ("Straße-API", "strasse-api", "strasse_api"),
    ("STRAẞE", "strasse", "strasse"),
    ("Øresund", "oresund", "oresund"),
    ("Æther", "aether", "aether"),
    ("ÆTHER", "aether", "aether"),  # not 'ae-ther': the word's case is kept, not the table's
    ("MyÆther", "my-aether", "my_aether"),
    ("Þór", "thor", "thor"),
    ("Łódź", "lodz", "lodz"),
    ("ﬁle", "file", "file"),
    ("\uff46\uff55\uff4c\uff4c", "full", "full"),  # fullwidth letters
    ("my\u2013api", "my-api", "my_api"),  # an en dash is a separator
    ("my\u00a0api", "my-api", "my_api"),  # and so is a no-break space
    # Other scripts: Greek, Cyrillic, Hangul, Kana, Han (Mandarin pinyin), Devanagari.
    ("Ελληνικά", "ellinika", "ellinika"),
    ("Москва Сервис", "moskva-servis", "moskva_servis"),
    ("МойСервис", "moy-servis", "moy_servis"),
    ("한국어", "hangugeo", "hangugeo"),
    ("ひらがな", "hiragana", "hiragana"),
    ("北京", "beijing", "beijing"),
    ("हिन्दी", "hindi", "hindi"),
    # Mixed scripts: a change between a script with case and one without is a word boundary.
    ("API北京", "api-beijing", "api_beijing"),
    ("北京API", "beijing-api", "beijing_api"),
    ("Москва-API", "moskva-api", "moskva_api"),
    ("ÅngströmHTTPServer", "angstrom-http-server", "angstrom_http_server"),
    ("x", "x", "x"),
    ("a" * 64, "a" * 64, "a" * 64),
]


@pytest.mark.parametrize(("raw", "dist", "package"), ACCEPTED)
def test_accepted_names(raw: str, dist: str, package: str) -> None:
    names = derive_names(raw)
    assert (names.dist, names.package) == (dist, package)


# (input, words the message must contain, the suggestion or None)
REFUSED = [
    ("", "empty", None),
    ("   ", "empty", None),
    ("---", "no letters or digits", None),
    ("._.", "no letters or digits", None),
    ("2fa-api", "starts with a digit", None),
    ("123", "starts with a digit", None),
    ("class", "Python keyword", "class-service"),
    ("import", "Python keyword", "import-service"),
    ("json", "shadow the standard-library module", "json-service"),
    ("typing", "shadow the standard-library module", "typing-service"),
    ("test", "shadow the standard-library module", "test-service"),
    ("Asyncio", "shadow the standard-library module", "asyncio-service"),
    ("tests", "name of a folder", "tests-service"),
    ("my/api", "looks like a path", None),
    ("../my-api", "looks like a path", None),
    ("my\\api", "looks like a path", None),
    ("a..b", "looks like a path", None),
    ("my@api", "not a valid package name", "my-api"),
    ("my api!", "not a valid package name", "my-api"),
    ("a" * 65, "too long", None),
    ("a" * 500, "too long", None),
    ("api-😀", "no ASCII spelling", "api"),
    ("😀", "no ASCII spelling", None),
    ("🚀 rocket", "no ASCII spelling", "rocket"),
    ("Acme™", "no ASCII spelling", "acme"),  # a symbol, not the word 'tm'
    ("€uro", "no ASCII spelling", "uro"),
    ("♥", "no ASCII spelling", None),
    ("ー", "no ASCII spelling", None),  # a length mark alone spells nothing
    ("api\ue000", "no ASCII spelling", None),  # private use
    # Fullwidth letters and punctuation are still the device name, or a path.
    ("\uff43\uff4f\uff4e", "reserved on Windows", None),
    ("\uff23\uff2f\uff2e\uff0etxt", "reserved on Windows", None),
    ("my\uff0fapi", "not a valid package name", "my-api"),
    ("①②", "starts with a digit", None),
    ("\u2160mport", "Python keyword", "import-service"),  # ROMAN NUMERAL ONE: 'Import'
]


@pytest.mark.parametrize(("raw", "words", "suggestion"), REFUSED)
def test_refused_names(raw: str, words: str, suggestion: str | None) -> None:
    with pytest.raises(UsageError) as caught:
        derive_names(raw)
    error = caught.value
    assert words in error.message
    assert "\n" not in error.message
    assert error.exit_code == ExitCode.USAGE == 2
    if suggestion is None:
        assert error.hint is None or "try '" not in error.hint
    else:
        assert error.hint == f"try '{suggestion}'"
        # A suggestion that is itself refused would send the user in circles.
        assert derive_names(suggestion).dist == suggestion


def test_transliteration_is_announced() -> None:
    names = derive_names("Café")
    assert names.dist == "cafe"
    assert any("transliterated 'Café' to 'Cafe'" in notice for notice in names.notices)


@pytest.mark.parametrize(
    ("raw", "spelled"),
    [
        ("Straße-API", "Strasse-API"),
        ("Øresund", "Oresund"),
        ("Æther", "Aether"),
        ("ÆTHER", "AETHER"),
        ("MyÆther", "My-Aether"),
        ("日本語", "ribenyu"),  # Han characters take their Mandarin reading, in any language
        ("API北京", "API-beijing"),
        ("עברית", "vryt"),  # without the table's apostrophe for alef and ayin
    ],
)
def test_what_a_name_became_is_a_notice(raw: str, spelled: str) -> None:
    notices = derive_names(raw).notices
    assert notices[0] == f"transliterated '{raw}' to '{spelled}' (package names are ASCII)"


@given(st.text(max_size=24))
def test_any_text_gives_an_ascii_name_or_a_one_line_refusal(raw: str) -> None:
    refused: UsageError | None = None
    try:
        names = derive_names(raw)
    except UsageError as error:
        refused = error
    if refused is not None:
        assert "\n" not in refused.message
        assert refused.exit_code == ExitCode.USAGE
        return
    assert re.fullmatch(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", names.dist), names
    assert names.package == names.dist.replace("-", "_")
    assert check_project_name(names.dist) == names.dist


def test_plain_kebab_name_has_no_notice() -> None:
    assert derive_names("my-api").notices == ()


# Names as an answers file records them: what derive_names gave, or refused.
@pytest.mark.parametrize("dist", [dist for _, dist, _ in ACCEPTED])
def test_a_recorded_project_name_is_what_derive_names_gave(dist: str) -> None:
    assert check_project_name(dist) == dist


@pytest.mark.parametrize(
    "name", ["My-Api", "my_api", "my-api\n", " my-api", "../x", "my-api/../x", "..", "", "class"]
)
def test_a_recorded_project_name_that_new_would_not_give_is_refused(name: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_project_name(name)
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("package", ["my_api", "x", "_private", "MyPkg", "a" * 64])
def test_a_recorded_package_name_is_an_identifier(package: str) -> None:
    assert check_package_name(package) == package


@pytest.mark.parametrize(
    "package",
    [
        "../../../tmp/x",
        "my_api/x",
        "my.api",
        "my-api",
        "my_api\n",
        "",
        "class",
        "2x",
        "é",
        "a" * 65,
    ],
)
def test_a_recorded_package_name_that_is_a_path_or_not_an_identifier_is_refused(
    package: str,
) -> None:
    with pytest.raises(UsageError, match="is not a Python package name"):
        check_package_name(package)


# --- names no platform or reader can hold ---------------------------------------------------

_DEVICES = ["con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10))]
_DEVICES += [f"lpt{i}" for i in range(1, 10)]


@given(
    device=st.sampled_from(_DEVICES),
    upper=st.lists(st.booleans(), min_size=4, max_size=4),
    extension=st.one_of(st.just(""), st.from_regex(r"\.[a-z0-9]{1,4}", fullmatch=True)),
)
def test_windows_device_names_are_refused(device: str, upper: list[bool], extension: str) -> None:
    """A folder or file so named cannot be made on Windows, whatever its case or extension."""
    raw = "".join(ch.upper() if up else ch for ch, up in zip(device, upper, strict=False))
    raw += extension
    with pytest.raises(UsageError, match="reserved on Windows") as caught:
        derive_names(raw)
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize("name", ["con-api", "console", "auxiliary", "com10", "lpt0", "nullable"])
def test_names_that_only_begin_like_a_device_are_fine(name: str) -> None:
    assert derive_names(name).dist == name


_INVISIBLE = st.characters(categories=["Cf", "Zl", "Zp", "Cc"])
# Default-ignorable characters of other categories: a transliteration would drop them.
_IGNORABLE = st.sampled_from(
    ["\u034f", "\u115f", "\u1160", "\u17b4", "\u180b", "\u3164", "\ufe0f", "\uffa0"]
)


@given(
    before=st.sampled_from(["", "my", "my-"]),
    invisible=st.one_of(_INVISIBLE, _IGNORABLE, st.just("\ufeff"), st.just("\u200b")),
    after=st.sampled_from(["", "api", "-api"]),
)
def test_invisible_characters_are_refused(before: str, invisible: str, after: str) -> None:
    """A zero-width space, a BOM, a line separator or a control character anywhere: the name
    would not be the one that reads the same, or would break a line."""
    with pytest.raises(UsageError) as caught:
        derive_names(f"{before}{invisible}{after}")
    assert "invisible" in caught.value.message
    assert f"U+{ord(invisible):04X}" in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("name", "python", "refused"),
    [
        ("compression", "3.14", True),  # new in 3.14
        ("annotationlib", "3.14", True),
        ("compression", "3.11", True),  # requires-python >=3.11 lets 3.14 run it
        ("imghdr", "3.11", True),  # removed in 3.13: a 3.11 project still has it
        ("imghdr", "3.13", False),
        ("telnetlib", "3.14", False),
    ],
)
def test_the_stdlib_of_the_project_s_pythons_is_checked(
    name: str, python: str, refused: bool
) -> None:
    names = derive_names(name)
    if refused:
        with pytest.raises(UsageError, match="shadow the standard-library module") as caught:
            check_stdlib(names, python)
        assert caught.value.hint == f"try '{name}-service'"
    else:
        check_stdlib(names, python)


def test_every_supported_python_has_a_stdlib_list() -> None:
    for python in SUPPORTED_PYTHONS:
        modules = stdlib_modules(python)
        assert {"json", "os", "asyncio", "test"} <= modules


def test_new_refuses_a_name_from_the_stdlib_of_the_project_s_python(
    cli: Cli, tmp_path: Path
) -> None:
    done = cli("new", "compression", "--path", tmp_path, *FAST[2:], "--python", "3.14")
    assert done.code == 2, done
    assert "'compression' would shadow the standard-library module" in done.stderr
    assert "3.14" in done.stderr
    assert list(tmp_path.iterdir()) == []
    done = cli("new", "imghdr", "--path", tmp_path, *FAST[2:], "--python", "3.13")
    assert done.code == 0, done


def test_new_shows_what_a_transliterated_name_became(cli: Cli, tmp_path: Path) -> None:
    done = cli("new", "Straße-API", "--path", tmp_path, *FAST)
    assert done.code == 0, done
    assert (tmp_path / "strasse-api" / "src" / "strasse_api").is_dir()
    assert "transliterated 'Straße-API' to 'Strasse-API'" in done.stdout
    assert "using 'strasse-api' for the repository and 'strasse_api' for the package" in done.stdout


def test_new_refuses_an_emoji_in_one_line(cli: Cli, tmp_path: Path) -> None:
    done = cli("new", "api-😀", "--path", tmp_path, *FAST)
    assert done.code == 2, done
    (line,) = done.stderr.strip().splitlines()
    assert "U+1F600 (GRINNING FACE), which has no ASCII spelling in a name" in line
    assert "try 'api'" in line
    assert list(tmp_path.iterdir()) == []
