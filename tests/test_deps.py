"""Properties of the dependency ranges, over generated versions and specifiers."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from scaffold.create.deps import (
    _bounds,
    bound_to_locked,
    intersect,
    merge_dependencies,
    next_breaking,
    template_dependency,
)
from scaffold.create.deps import parse_dependency as dep
from scaffold.errors import UsageError
from scaffold.tools.names import canonical

_RELEASE = st.lists(st.integers(0, 30), min_size=1, max_size=4)
_PRE = st.sampled_from(["", "a1", "b2", "rc1", ".post1", ".dev3"])


@st.composite
def versions(draw: st.DrawFn) -> str:
    epoch = draw(st.sampled_from(["", "", "", "1!"]))
    return epoch + ".".join(map(str, draw(_RELEASE))) + draw(_PRE)


@given(locked=st.lists(versions(), min_size=1, max_size=4), upper=st.sampled_from(["", "<99"]))
@example(locked=["2.4.6", "2.5.5"], upper="")
@example(locked=["0.0.3"], upper="")
@example(locked=["1!2.0"], upper="")
def test_bounds_from_the_lock_admit_every_locked_version_and_exclude_the_next_breaking(
    locked: list[str], upper: str
) -> None:
    # The lock honours the user's own bound, so every locked version satisfies it.
    assume(all(v in SpecifierSet(upper, prereleases=True) for v in locked))
    bounded = bound_to_locked(dep(f"pkg{upper}"), locked)
    assert bounded.bounded
    spec = SpecifierSet(bounded.specifier, prereleases=True)
    assert all(version in spec for version in locked), (locked, bounded.specifier)
    lowest, highest = min(map(Version, locked)), max(map(Version, locked))
    assert f">={lowest.public}" in bounded.specifier.split(",")
    if upper:
        assert upper in bounded.specifier.split(",")
    else:
        assert next_breaking(str(highest)) not in spec
        assert f"<{next_breaking(str(highest))}" in bounded.specifier.split(",")


@given(version=versions())
def test_next_breaking_is_the_next_major_or_the_next_minor_below_1(version: str) -> None:
    parsed, breaking = Version(version), Version(next_breaking(version))
    assert breaking > parsed
    assert breaking.epoch == parsed.epoch
    if parsed.major > 0:
        assert breaking.release == (parsed.major + 1,)
    else:
        assert breaking.release == (0, parsed.minor + 1)


_OPS = st.sampled_from([">=", ">", "<", "<=", "==", "!=", "~="])


@st.composite
def specifiers(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        op = draw(_OPS)
        release = draw(st.lists(st.integers(0, 6), min_size=2 if op == "~=" else 1, max_size=3))
        parts.append(op + ".".join(map(str, release)))
    return ",".join(parts)


def _candidates(*specs: str) -> list[Version]:
    """Every version a boundary could turn on, and its neighbours."""
    found = {Version("0")}
    for spec in SpecifierSet(",".join(s for s in specs if s)):
        base = Version(spec.version)
        rel = base.release
        found |= {base, Version(f"{spec.version}.1"), Version(f"{spec.version}.post1")}
        found |= {Version(".".join(map(str, (*rel[:-1], rel[-1] + 1))))}
        if rel[-1] > 0:
            found.add(Version(".".join(map(str, (*rel[:-1], rel[-1] - 1)))))
    return sorted(found)


@given(first=specifiers(), second=specifiers())
@example(first=">=0.115,<1", second="<0.100")
@example(first=">=0.115,<1", second="==0.115.2")
@example(first=">=1,<=2", second=">=2")
def test_intersection_admits_exactly_what_both_admit(first: str, second: str) -> None:
    both = [SpecifierSet(first), SpecifierSet(second)]
    admitted = [v for v in _candidates(first, second) if all(v in s for s in both)]
    try:
        result = SpecifierSet(intersect(first, second))
    except ValueError:
        assert admitted == []
        return
    for version in _candidates(first, second):
        assert (version in result) == (version in admitted), (first, second, str(result))


def test_a_users_range_narrows_the_templates() -> None:
    (fastapi,) = merge_dependencies([dep("fastapi>=0.115,<1")], [dep("fastapi[standard]>=0.116")])
    assert str(fastapi) == "fastapi[standard]>=0.116,<1"
    (pinned,) = merge_dependencies([dep("fastapi>=0.115,<1")], [dep("fastapi==0.118.0")])
    assert str(pinned) == "fastapi==0.118.0"
    (bare,) = merge_dependencies([dep("fastapi>=0.115,<1")], [dep("FastAPI")])
    assert str(bare) == "FastAPI>=0.115,<1"


@pytest.mark.parametrize("given_dep", ["fastapi<0.100", "fastapi>=1", "fastapi==0.99"])
def test_a_range_outside_the_templates_is_refused(given_dep: str) -> None:
    with pytest.raises(UsageError, match="excludes every version the template allows"):
        merge_dependencies([dep("fastapi>=0.115,<1")], [dep(given_dep)])


def test_a_template_dependency_cannot_be_made_conditional() -> None:
    with pytest.raises(UsageError, match="conditional"):
        merge_dependencies([dep("fastapi>=0.115,<1")], [dep("fastapi; python_version<'3.13'")])


def test_bounding_needs_a_locked_version() -> None:
    with pytest.raises(ValueError, match="no locked version"):
        bound_to_locked(dep("pkg"), [])


def test_a_name_given_twice_gets_both_ranges() -> None:
    (numpy,) = merge_dependencies([], [dep("numpy>=1.26"), dep("numpy<3")])
    assert str(numpy) == "numpy>=1.26,<3"
    with pytest.raises(UsageError, match="excludes every version an earlier --dep allows"):
        merge_dependencies([], [dep("numpy>=3"), dep("numpy<2")])
    with pytest.raises(UsageError, match="different markers"):
        merge_dependencies(
            [], [dep("tomli>=2; python_version<'3.11'"), dep("tomli<3; sys_platform=='linux'")]
        )


# --- bounds, as PEP 440 reads a specifier ----------------------------------------------------

# (specifier, has a lower bound, has an upper bound)
BOUNDS = [
    (">=1,<2", True, True),
    (">1,<=2", True, True),
    ("~=1.4", True, True),  # >=1.4,<2
    ("~=1.4.2", True, True),  # >=1.4.2,<1.5
    ("==1.*", True, True),  # >=1.dev0,<2.dev0
    ("==1.4", True, True),
    ("===1.0", True, True),  # arbitrary equality: that string only
    (">=1", True, False),
    (">1", True, False),
    ("<2", False, True),
    ("<=2", False, True),
    ("!=1.5", False, False),
    ("!=1.*", False, False),
    (">=1,!=1.5", True, False),
    ("", False, False),
]


@pytest.mark.parametrize(("specifier", "lower", "upper"), BOUNDS)
def test_which_side_a_specifier_bounds(specifier: str, lower: bool, upper: bool) -> None:
    assert _bounds(specifier) == (lower, upper)
    assert dep(f"pkg{specifier}").bounded == (lower and upper)


@pytest.mark.parametrize(
    ("given_dep", "bounded"),
    [
        ("pkg>=1.5", "pkg>=1.5,<2"),
        ("pkg<3", "pkg>=1.5.0,<3"),
        ("pkg!=1.5.1", "pkg!=1.5.1,>=1.5.0,<2"),
        ("pkg~=1.4", "pkg~=1.4"),
        ("pkg==1.*", "pkg==1.*"),
        ("pkg===1.5.0", "pkg===1.5.0"),
        ("pkg[b,a]>=1.5", "pkg[a,b]>=1.5,<2"),
        ("pkg>=1.5; python_version < '3.13'", 'pkg>=1.5,<2 ; python_version < "3.13"'),
        ("pkg[a]<3; sys_platform == 'linux'", 'pkg[a]>=1.5.0,<3 ; sys_platform == "linux"'),
    ],
)
def test_the_lock_fills_only_the_missing_side(given_dep: str, bounded: str) -> None:
    parsed = dep(given_dep)
    result = parsed if parsed.bounded else bound_to_locked(parsed, ["1.5.0"])
    assert str(result) == bounded
    assert result.bounded


@pytest.mark.parametrize(
    "given_dep",
    [
        "pkg @ https://example.invalid/pkg-1.0-py3-none-any.whl",
        "pkg[a] @ git+https://example.invalid/pkg.git@v1 ; python_version >= '3.12'",
    ],
)
def test_a_url_is_bounded_by_its_source(given_dep: str) -> None:
    parsed = dep(given_dep)
    assert parsed.bounded
    assert parsed.url.startswith(("https://", "git+https://"))
    assert parsed.specifier == ""


_ANY_OPS = st.sampled_from([">=", ">", "<", "<=", "==", "!=", "~=", "==="])


@st.composite
def any_specifiers(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        op = draw(_ANY_OPS)
        release = draw(st.lists(st.integers(0, 6), min_size=2 if op == "~=" else 1, max_size=3))
        wildcard = op in ("==", "!=") and draw(st.booleans())
        if op == "<" or (op == "==" and wildcard):
            # `<0` admits nothing, not even 0.dev0, and `==0.*` starts at 0.dev0: bounds that
            # no probe can tell from none.
            release[0] = max(release[0], 1)
        parts.append(op + ".".join(map(str, release)) + (".*" if wildcard else ""))
    return ",".join(parts)


@given(specifier=any_specifiers())
@example(specifier="===1.0")
@example(specifier="!=0.*")
def test_a_bound_is_what_packaging_admits(specifier: str) -> None:
    """Lower-bounded: the lowest possible version (0.dev0) is out; upper-bounded: a version
    above every one drawn is out. Exclusions are no bound, even where they happen to leave
    out the lowest versions (``!=0.*``)."""
    spec = SpecifierSet([s for s in SpecifierSet(specifier) if s.operator != "!="])
    lowest_out = not spec.contains("0.dev0", prereleases=True)
    highest_out = not spec.contains("1000", prereleases=True)
    assert _bounds(specifier) == (lowest_out, highest_out), specifier


# --- the templates' own form, read without packaging ----------------------------------------

_NAME = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?", fullmatch=True)
_VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True)


@given(name=_NAME, low=_VERSION, high=_VERSION)
@example(name="Foo_Bar.baz", low="0.115", high="1")
def test_the_template_form_reads_as_packaging_reads_it(name: str, low: str, high: str) -> None:
    text = f"{name}>={low},<{high}"
    assert template_dependency(text) == dep(text)
    assert template_dependency(text).bounded


@pytest.mark.parametrize(
    "text",
    [
        "foo->=1,<2",  # a name ends in a letter or digit (PEP 508)
        "foo.>=1,<2",
        "foo>=1.,<2",  # not a PEP 440 version
        "foo>=1..2,<3",
        "foo>=1,<2.",
    ],
)
def test_what_the_template_form_once_let_through_is_refused_as_packaging_does(text: str) -> None:
    with pytest.raises(UsageError, match="invalid dependency"):
        template_dependency(text)


@given(name=st.text(max_size=30))
@example(name="Foo__Bar..baz--qux")
@example(name="İ_x")
def test_canonical_names_are_packagings(name: str) -> None:
    assert canonical(name) == canonicalize_name(name)
