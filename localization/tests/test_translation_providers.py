"""The providers speak LibreTranslate's and DeepL's HTTP protocols to servers on loopback: batching,
retries on 429 and 5xx only, typed errors, and English as the pivot for a missing pair."""

from __future__ import annotations

import json
import socket
import time

import pytest

from localization.errors import TranslationError, TranslationErrorCode, TranslationProviderError
from localization.tests.translation_servers import Canned, DeepLServer, LibreTranslateServer
from localization.translation.providers import (
    DeepLProvider,
    LibreTranslateProvider,
    texts_translate,
    translation_provider,
)


@pytest.fixture
def libre():
    with LibreTranslateServer() as server:
        yield server


@pytest.fixture
def deepl():
    with DeepLServer() as server:
        yield server


def libre_provider(server, **kwargs) -> LibreTranslateProvider:
    options = {"retry_base_seconds": 0.01, "max_retries": 2, "timeout": 5} | kwargs
    return LibreTranslateProvider(url=server.url, api_key=server.api_key, **options)


def deepl_provider(server, **kwargs) -> DeepLProvider:
    options = {"retry_base_seconds": 0.01, "max_retries": 2, "timeout": 5} | kwargs
    return DeepLProvider(url=server.url, api_key=server.auth_key, **options)


def test_libretranslate_sends_the_texts_as_a_list_with_source_target_format_and_key(libre):
    provider = libre_provider(libre)

    out = provider.translate(["你好", "再见"], source="zh-Hans", target="en")

    assert out == ["en:你好", "en:再见"]
    (request,) = libre.translations()
    assert request.path == "/translate"
    assert request.body == {"q": ["你好", "再见"], "source": "zh-Hans", "target": "en", "format": "text",
                            "api_key": "lt-secret"}  # fmt: skip
    assert [s.path for s in libre.seen if s.method == "GET"] == ["/languages"]


def test_deepl_sends_its_auth_header_text_list_languages_and_context(deepl):
    provider = deepl_provider(deepl)

    out = provider.translate(["你好"], source="zh-Hans", target="en", context="A palace drama.")

    assert out == ["en-gb:你好"]
    (request,) = deepl.translations()
    assert request.path == "/v2/translate"
    assert request.headers["authorization"] == "DeepL-Auth-Key deepl-secret:fx"
    assert request.body == {"text": ["你好"], "source_lang": "ZH", "target_lang": "EN-GB",
                            "context": "A palace drama."}  # fmt: skip
    assert sorted(q["type"][0] for q in (s.query for s in deepl.seen if s.path == "/v2/languages")) == [
        "source",
        "target",
    ]


@pytest.mark.parametrize("make", [libre_provider, deepl_provider], ids=["libretranslate", "deepl"])
def test_a_429_then_success_is_retried_after_the_servers_retry_after(make, request):
    server = request.getfixturevalue("libre" if make is libre_provider else "deepl")
    provider = make(server)
    provider.pairs()  # the languages first, so the script answers the translation
    server.script = [Canned(429, b'{"error": "Too many requests"}', {"Retry-After": "0"})]

    started = time.monotonic()
    out = provider.translate(["你好"], source="zh-Hans", target="ko" if make is deepl_provider else "en")

    assert out[0].endswith(":你好")
    assert len(server.translations()) == 2
    assert time.monotonic() - started < 2


def test_5xx_answers_are_retried_with_backoff_then_fail_typed_and_transient(libre):
    provider = libre_provider(libre, max_retries=2, retry_base_seconds=0.05)
    provider.pairs()
    libre.script = [Canned(503, b"busy")] * 3

    started = time.monotonic()
    with pytest.raises(TranslationProviderError) as caught:
        provider.translate(["你好"], source="zh-Hans", target="en")

    assert caught.value.code == TranslationErrorCode.PROVIDER_FAILED and caught.value.transient
    assert len(libre.translations()) == 3
    assert time.monotonic() - started >= 0.05 + 0.1  # 0.05 s, then 0.1 s


@pytest.mark.parametrize(
    ("canned", "code"),
    [
        (Canned(400, b'{"error": "bad"}'), TranslationErrorCode.PROVIDER_REFUSED),
        (Canned(403, b'{"error": "Invalid API key"}'), TranslationErrorCode.PROVIDER_REFUSED),
        (Canned(200, b"{not json"), TranslationErrorCode.PROVIDER_BAD_RESPONSE),
        (Canned(200, b'{"translatedText": ["one", "two"]}'), TranslationErrorCode.PROVIDER_BAD_RESPONSE),
        (Canned(200, b'{"something": "else"}'), TranslationErrorCode.PROVIDER_BAD_RESPONSE),
        (Canned(200, b"[" * 100_000), TranslationErrorCode.PROVIDER_BAD_RESPONSE),
        (Canned(400, b"[" * 100_000), TranslationErrorCode.PROVIDER_REFUSED),
    ],
    ids=["400", "403", "malformed-json", "wrong-count", "no-translatedText", "nested-200", "nested-400"],
)
def test_other_answers_are_final_typed_errors_without_retry(libre, canned, code):
    provider = libre_provider(libre)
    provider.pairs()
    libre.script = [canned]

    with pytest.raises(TranslationProviderError) as caught:
        provider.translate(["你好"], source="zh-Hans", target="en")

    assert caught.value.code == code and not caught.value.transient
    assert len(libre.translations()) == 1


def test_a_pair_the_provider_lacks_goes_through_english(libre):
    # given a server translating Chinese to English and English to Thai, but not Chinese to Thai
    provider = libre_provider(libre)

    # when Chinese is translated into Thai
    out = texts_translate(provider, ["你好"], source="zh-Hans", target="th")

    # then it went to English first, then from English to Thai
    assert out == ["th:en:你好"]
    assert [(r.body["source"], r.body["target"]) for r in libre.translations()] == [("zh-Hans", "en"), ("en", "th")]


def test_a_pair_with_no_way_through_english_is_refused_typed(libre):
    provider = libre_provider(libre)

    with pytest.raises(TranslationProviderError) as caught:
        texts_translate(provider, ["你好"], source="zh-Hans", target="ar")

    assert caught.value.code == TranslationErrorCode.PAIR_UNSUPPORTED
    assert libre.translations() == []


def test_traditional_chinese_is_never_served_by_a_simplified_code(deepl):
    provider = deepl_provider(deepl)

    assert provider.code_for("zh-Hans", target=True) == "ZH-HANS"
    assert provider.code_for("zh-Hant-HK", target=True) is None
    assert provider.code_for("en", target=True) == "EN-GB"


def test_texts_are_sent_in_batches_bounded_in_count_and_characters(libre):
    provider = libre_provider(libre, batch_max_texts=4, batch_max_chars=12)

    out = provider.translate([f"句{n}" for n in range(10)] + ["长" * 10], source="zh-Hans", target="en")

    assert len(out) == 11
    sizes = [len(r.body["q"]) for r in libre.translations()]
    assert sum(sizes) == 11 and max(sizes) <= 4
    assert all(sum(len(t) for t in r.body["q"]) <= 12 for r in libre.translations())
    with pytest.raises(TranslationProviderError) as caught:
        provider.translate(["长" * 13], source="zh-Hans", target="en")
    assert caught.value.code == TranslationErrorCode.PROVIDER_REFUSED


def test_a_server_that_is_not_there_is_unreachable_and_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = LibreTranslateProvider(url=f"http://127.0.0.1:{port}", timeout=1, max_retries=3)

    with pytest.raises(TranslationProviderError) as caught:
        provider.translate(["你好"], source="zh-Hans", target="en")

    assert caught.value.code == TranslationErrorCode.PROVIDER_UNREACHABLE and caught.value.transient
    assert provider.requests_sent == 1


def test_a_slow_server_times_out_typed(libre):
    provider = libre_provider(libre, timeout=0.2)
    libre.answer = lambda seen: (time.sleep(1), Canned(200, json.dumps([]).encode()))[1]  # type: ignore[method-assign]

    with pytest.raises(TranslationProviderError) as caught:
        provider.pairs()

    assert caught.value.code == TranslationErrorCode.PROVIDER_UNREACHABLE


@pytest.mark.parametrize(
    ("provider", "url", "key", "message"),
    [
        ("", "", "", "Machine translation is off"),
        ("google", "", "", "is not one of"),
        ("libretranslate", "", "", "needs TRANSLATION_PROVIDER_URL"),
        ("deepl", "", "", "needs TRANSLATION_PROVIDER_API_KEY"),
    ],
)
def test_without_a_configured_provider_machine_translation_is_off_with_a_clear_message(
    settings, provider, url, key, message
):
    settings.TRANSLATION_PROVIDER, settings.TRANSLATION_PROVIDER_URL = provider, url
    settings.TRANSLATION_PROVIDER_API_KEY = key

    with pytest.raises(TranslationError) as caught:
        translation_provider()

    assert caught.value.code == TranslationErrorCode.PROVIDER_OFF and message in caught.value.message


def test_settings_choose_the_provider(settings, libre):
    settings.TRANSLATION_PROVIDER, settings.TRANSLATION_PROVIDER_URL = "libretranslate", libre.url
    settings.TRANSLATION_PROVIDER_API_KEY = "lt-secret"
    assert isinstance(translation_provider(), LibreTranslateProvider)

    settings.TRANSLATION_PROVIDER, settings.TRANSLATION_PROVIDER_URL = "deepl", ""
    settings.TRANSLATION_PROVIDER_API_KEY = "k:fx"
    provider = translation_provider()
    assert isinstance(provider, DeepLProvider) and provider.url == "https://api-free.deepl.com"
