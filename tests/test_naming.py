"""Every naming rule as a table: what users type, what scaffold makes of it, what it refuses."""

from __future__ import annotations

import pytest

from scaffold.errors import ExitCode, UsageError
from scaffold.naming import check_package_name, check_project_name, derive_names

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
    ("日本語", "no ASCII spelling", None),
    ("api-😀", "no ASCII spelling", None),
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
