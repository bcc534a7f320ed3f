import pytest

from localization.languages import is_valid_tag, language_fallback_chain, normalize_tag


@pytest.mark.parametrize(
    "tag, chain_start",
    [
        ("zh-Hant-HK", ["zh-Hant-HK", "zh-Hant", "zh-Hans"]),
        ("yue", ["yue", "zh-Hant-HK", "zh-Hant", "zh-Hans"]),
        ("en-US", ["en-US", "en"]),
        ("th", ["th", "en"]),
    ],
)
def test_fallback_chain(tag, chain_start):
    chain = language_fallback_chain(tag)

    assert chain[: len(chain_start)] == chain_start
    assert chain[-1] == "en"


@pytest.mark.parametrize("tag", ["en", "zh-Hans", "zh-Hant-HK", "yue", "ar", "pt-BR"])
def test_valid_tags(tag):
    assert is_valid_tag(tag)


@pytest.mark.parametrize("tag", ["", "english", "zz", "en_US", "zh-hans", "12"])
def test_invalid_tags(tag):
    assert not is_valid_tag(tag)


def test_normalize_tag_fixes_case_and_separators():
    assert normalize_tag("zh_hant_hk") == "zh-Hant-HK"
