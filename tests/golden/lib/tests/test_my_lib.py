import pytest

import my_lib
from my_lib import greet


def test_greet_names_the_person() -> None:
    assert greet("Ada") == "Hello, Ada!"


def test_greet_ignores_surrounding_spaces() -> None:
    assert greet("  Ada ") == "Hello, Ada!"


@pytest.mark.parametrize("name", ["", "   "])
def test_greet_refuses_an_empty_name(name: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        greet(name)


def test_public_api_is_what_all_names() -> None:
    assert my_lib.__all__ == ["greet"]
