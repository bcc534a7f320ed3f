"""Every language tag the platform takes has a name for people, and a direction for its text."""

import pytest
from django.conf import settings

from localization.languages import LANGUAGE_NAMES, language_direction, language_label, language_name


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("fil", "Filipino"),
        ("ar", "Arabic"),
        ("ar-EG", "Arabic (Egypt)"),
        ("fa", "Persian"),
        ("he", "Hebrew"),
        ("ur", "Urdu"),
        ("yue", "Cantonese"),
        ("zh-Hans", "Chinese (Simplified)"),
        ("zh-Hant-HK", "Chinese (Traditional, Hong Kong)"),
        ("zh-Hant-TW", "Chinese (Traditional, Taiwan)"),
        ("es-419", "Spanish (Latin America)"),
        ("ms", "Malay"),
        ("en-US", "English (United States)"),
        ("zh_hant_hk", "Chinese (Traditional, Hong Kong)"),
    ],
)
def test_a_tag_is_named(tag, name):
    assert language_name(tag) == name


@pytest.mark.parametrize("tag", ["xx", "english", "zh-Hans-HK-extra", ""])
def test_a_tag_that_is_not_one_has_no_name_and_is_shown_as_typed(tag):
    assert language_name(tag) is None
    assert language_label(tag) == tag


def test_every_tag_the_catalogue_lists_or_targets_has_a_name():
    tags = {*LANGUAGE_NAMES, *settings.MIGU_TARGET_LANGUAGES, "fil", "tl", "km", "lo", "my", "hi", "bn", "ta"}
    assert {tag: language_name(tag) for tag in tags if not language_name(tag)} == {}


def test_a_label_keeps_the_tag_beside_the_name():
    assert language_label("fil") == "Filipino (fil)"


@pytest.mark.parametrize(
    ("tag", "direction"),
    [
        ("ar", "rtl"),
        ("ar-EG", "rtl"),
        ("fa", "rtl"),
        ("he", "rtl"),
        ("ur", "rtl"),
        ("ug-Arab", "rtl"),
        ("en", "ltr"),
        ("zh-Hans", "ltr"),
        ("yue", "ltr"),
        ("th", "ltr"),
        ("fil", "ltr"),
        ("az-Latn", "ltr"),
        ("", "auto"),
        (None, "auto"),
        ("not-a-tag", "auto"),
    ],
)
def test_text_runs_in_its_language_s_direction(tag, direction):
    assert language_direction(tag) == direction


def test_every_language_a_tag_may_name_has_a_name():
    # is_valid_tag() takes any ISO 639 language by its two- or three-letter code: each of them is named
    import pycountry

    from localization.languages import is_valid_tag

    codes = [getattr(language, "alpha_2", None) or language.alpha_3 for language in pycountry.languages]
    unnamed = [code for code in codes if is_valid_tag(code) and not language_name(code)]
    assert len(codes) > 7000
    assert unnamed == []
