"""The portal's figures print exactly as Django's number formatting would, in every language of the portal."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import numberformat, translation
from django.utils.formats import get_format

from portal.templatetags.portal import _Numbers

VALUES = [0, 7, -7, 999, 1000, -1000, 12345, 1234567, -98765432, 10**12, 0.0, 0.5, -0.25, 3.14159, 1234.5, 1234.56789,
          -1234567.891, 99.95, 1e-7, 1.5e16, float("nan"), float("inf")]  # fmt: skip


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("decimals", [0, 1, 2])
@pytest.mark.parametrize("force_grouping", [False, True])
def test_numbers_print_as_django_numberformat_does(language, decimals, force_grouping):
    # given the separators and grouping of a language
    with translation.override(language):
        numbers = _Numbers()
        expected_args = (
            get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
            decimals,
            get_format("NUMBER_GROUPING", language, use_l10n=True),
            get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        )
        for value in VALUES:
            # when a value is formatted for a cell, then it reads as Django prints it
            expected = numberformat.format(value, expected_args[0], *expected_args[1:], force_grouping=force_grouping,
                                           use_l10n=True)  # fmt: skip
            assert numbers._number(value, decimals, force_grouping=force_grouping) == str(expected), (language, value)


ROUNDED = [0.0, -0.0, 0.05, 0.15, 0.25, 0.35, 2.675, 1e-7, 0.999, 99.95, 99.949, 12345.678, 1 / 3, 2 / 3, 1e14 + 0.3,
           1e15, 1.5e16, 7, 12345, float("nan"), float("inf")]  # fmt: skip


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("thousands", [False, True])
def test_percent_and_decimal_cells_print_as_the_digit_by_digit_path(language, thousands, settings):
    # given a language's separators, with or without the thousand separator on
    settings.USE_THOUSAND_SEPARATOR = thousands
    with translation.override(language):
        numbers = _Numbers()
        for value in ROUNDED:
            # when a ratio or a decimal figure is formatted, then it reads as Django's digits of the rounded value
            assert numbers.format(value, "percent") == numbers._number(round(value * 100, 1), 1) + "%", value
            assert numbers.format(value, "decimal") == numbers._number(round(value, 2), 2), value
