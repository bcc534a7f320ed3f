import pytest
from django.core.exceptions import ValidationError

from partners.geography import REGION_GROUPS, country_name, territories_expand


def test_region_groups_expand_to_member_countries_without_duplicates():
    result = territories_expand(["sea", "TH", "SG"])

    assert result == list(REGION_GROUPS["SEA"])


def test_unknown_territories_are_named_in_the_error():
    with pytest.raises(ValidationError) as error:
        territories_expand(["TH", "XX", "Atlantis"])

    assert "XX" in str(error.value) and "Atlantis" in str(error.value)


@pytest.mark.parametrize(
    ("code", "name"),
    [("TH", "Thailand"), ("KR", "South Korea"), ("TW", "Taiwan"), ("VN", "Vietnam"), ("HK", "Hong Kong"), ("XX", "XX")],
)
def test_country_names_are_the_names_people_use(code, name):
    assert country_name(code) == name
