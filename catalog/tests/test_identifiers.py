import pytest
from django.core.exceptions import ValidationError

from catalog.identifiers import eidr_with_check, is_valid_eidr, validate_eidr


@pytest.mark.parametrize(
    "eidr",
    [
        "10.5240/7791-8534-2C23-9030-8610-5",  # published EIDR examples
        "10.5240/1489-49A2-3956-4B2D-FE16-5",
    ],
)
def test_published_eidr_ids_are_valid(eidr):
    assert is_valid_eidr(eidr)


def test_wrong_check_character_is_named():
    with pytest.raises(ValidationError) as error:
        validate_eidr("10.5240/7791-8534-2C23-9030-8610-6")

    assert "expected 5" in str(error.value)


def test_eidr_with_check_round_trips():
    assert is_valid_eidr(eidr_with_check("ABCD-0123-4567-89EF-0000"))


@pytest.mark.parametrize("value", ["", "10.5240/7791-8534", "11.1111/7791-8534-2C23-9030-8610-5"])
def test_malformed_eidr(value):
    assert not is_valid_eidr(value)
