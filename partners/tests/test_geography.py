import pytest
from django.core.exceptions import ValidationError

from partners.geography import REGION_GROUPS, territories_expand


def test_region_groups_expand_to_member_countries_without_duplicates():
    result = territories_expand(["sea", "TH", "SG"])

    assert result == list(REGION_GROUPS["SEA"])


def test_unknown_territories_are_named_in_the_error():
    with pytest.raises(ValidationError) as error:
        territories_expand(["TH", "XX", "Atlantis"])

    assert "XX" in str(error.value) and "Atlantis" in str(error.value)
