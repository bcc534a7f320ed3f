"""Machine-translation providers over HTTP: a LibreTranslate-compatible server and DeepL's API.

`translation_provider()` builds the one the settings name (TRANSLATION_PROVIDER, _URL, _API_KEY), or
raises TranslationError(translation_provider_off) when none is set. Every request has a timeout; a 429 or
a 5xx answer is retried with exponential backoff (the server's Retry-After when it is shorter than the
cap), anything else is final. Texts are sent in batches bounded in count and characters; answers are read
up to a bound. English is the pivot for a pair the provider lacks (`texts_translate`).
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Iterator
from typing import Any

import orjson  # not json: a reply nested past 1,024 levels is a ValueError, not a RecursionError
import requests
from django.conf import settings

from localization.errors import TranslationErrorCode, TranslationProviderError
from localization.languages import normalize_tag

logger = logging.getLogger(__name__)

PIVOT_LANGUAGE = "en"
# An answer larger than this is not a translation of what was sent (a batch is at most ~20k characters).
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
DEEPL_URL = "https://api.deepl.com"
DEEPL_FREE_URL = "https://api-free.deepl.com"


class TranslationProvider(abc.ABC):
    """Translates lists of texts from one language to another; knows which pairs it offers."""

    name: str = ""

    def __init__(
        self,
        *,
        url: str,
        api_key: str = "",
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_base_seconds: float | None = None,
        retry_max_seconds: float | None = None,
        batch_max_texts: int | None = None,
        batch_max_chars: int | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = settings.TRANSLATION_TIMEOUT_SECONDS if timeout is None else timeout
        self.max_retries = settings.TRANSLATION_MAX_RETRIES if max_retries is None else max_retries
        self.retry_base = settings.TRANSLATION_RETRY_BASE_SECONDS if retry_base_seconds is None else retry_base_seconds
        self.retry_max = settings.TRANSLATION_RETRY_MAX_SECONDS if retry_max_seconds is None else retry_max_seconds
        self.batch_max_texts = settings.TRANSLATION_BATCH_MAX_TEXTS if batch_max_texts is None else batch_max_texts
        self.batch_max_chars = settings.TRANSLATION_BATCH_MAX_CHARS if batch_max_chars is None else batch_max_chars
        self.session = requests.Session()
        self.requests_sent = 0
        self._pairs: tuple[dict[str, set[str]], set[str]] | None = None

    # --- what subclasses say -----------------------------------------------------------------------

    @abc.abstractmethod
    def _fetch_languages(self) -> tuple[dict[str, set[str]], set[str]]:
        """(source code -> target codes, every target code) as the provider names them."""

    @abc.abstractmethod
    def _translate_batch(self, texts: list[str], *, source: str, target: str, context: str) -> list[str]:
        """One request: `texts` (already in the provider's codes) translated, in order."""

    # --- the interface -----------------------------------------------------------------------------

    def pairs(self) -> tuple[dict[str, set[str]], set[str]]:
        if self._pairs is None:
            self._pairs = self._fetch_languages()
        return self._pairs

    def code_for(self, tag: str, *, target: bool) -> str | None:
        """The provider's code for a BCP 47 tag: the tag, then shorter forms of it that keep its script
        (zh-Hant-HK, zh-Hant; a bare "zh" stands for Simplified only); for a bare language, a regional code
        of it when only those exist (DeepL's EN-GB, EN-US)."""
        by_source, targets = self.pairs()
        codes = targets if target else set(by_source)
        lowered = {code.lower(): code for code in codes}
        parts = normalize_tag(tag).split("-")
        candidates = ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]
        script = next((part for part in parts[1:] if len(part) == 4), "")
        if script and script != "Hans":
            candidates = [c for c in candidates if script in c.split("-")]
        for candidate in (c.lower() for c in candidates):
            if candidate in lowered:
                return lowered[candidate]
        if len(parts) == 1:
            regional = sorted(code for low, code in lowered.items() if low.startswith(parts[0] + "-"))
            if regional:
                return regional[0]
        return None

    @abc.abstractmethod
    def supports(self, source: str, target: str) -> bool:
        """Whether the provider translates from `source` to `target` directly."""

    def translate(self, texts: list[str], *, source: str, target: str, context: str = "") -> list[str]:
        """`texts` translated from `source` to `target` (BCP 47 tags), in order, in bounded batches."""
        source_code = self.code_for(source, target=False)
        target_code = self.code_for(target, target=True)
        if source_code is None or target_code is None:
            raise TranslationProviderError(
                f"{self.name} does not translate from {source} to {target}.", code=TranslationErrorCode.PAIR_UNSUPPORTED
            )
        out: list[str] = []
        for batch in self._batches(texts):
            translated = self._translate_batch(batch, source=source_code, target=target_code, context=context)
            if len(translated) != len(batch) or not all(isinstance(t, str) for t in translated):
                raise TranslationProviderError(
                    f"{self.name} answered {len(translated)} translations for {len(batch)} texts.",
                    code=TranslationErrorCode.PROVIDER_BAD_RESPONSE,
                )
            out.extend(translated)
        return out

    def _batches(self, texts: list[str]) -> Iterator[list[str]]:
        batch: list[str] = []
        chars = 0
        for text in texts:
            if len(text) > self.batch_max_chars:
                raise TranslationProviderError(
                    f"A text of {len(text)} characters is more than one request may carry ({self.batch_max_chars}).",
                    code=TranslationErrorCode.PROVIDER_REFUSED,
                )
            if batch and (len(batch) >= self.batch_max_texts or chars + len(text) > self.batch_max_chars):
                yield batch
                batch, chars = [], 0
            batch.append(text)
            chars += len(text)
        if batch:
            yield batch

    # --- HTTP --------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "User-Agent": "migu-platform"}

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of one request, retrying 429 and 5xx with backoff; typed errors otherwise."""
        url = f"{self.url}{path}"
        for attempt in range(self.max_retries + 1):
            self.requests_sent += 1
            try:
                response = self.session.request(
                    method, url, headers=self._headers(), timeout=self.timeout, stream=True, **kwargs
                )
            except requests.Timeout as exc:
                raise TranslationProviderError(
                    f"{self.name} did not answer within {self.timeout:g} s.",
                    code=TranslationErrorCode.PROVIDER_UNREACHABLE,
                    transient=True,
                ) from exc
            except requests.RequestException as exc:
                raise TranslationProviderError(
                    f"{self.name} at {self.url} cannot be reached: {exc.__class__.__name__}.",
                    code=TranslationErrorCode.PROVIDER_UNREACHABLE,
                    transient=True,
                ) from exc
            with response:
                status = response.status_code
                if status == 429 or status >= 500:
                    if attempt < self.max_retries:
                        delay = self._backoff(attempt, response.headers.get("Retry-After"))
                        logger.info("%s answered %s; retrying in %.2f s", self.name, status, delay)
                        time.sleep(delay)
                        continue
                    code = (
                        TranslationErrorCode.PROVIDER_RATE_LIMITED
                        if status == 429
                        else TranslationErrorCode.PROVIDER_FAILED
                    )
                    raise TranslationProviderError(
                        f"{self.name} answered {status} {self.max_retries + 1} times in a row.",
                        code=code,
                        transient=True,
                    )
                body = self._read_bounded(response)
                if status in (401, 403):
                    raise TranslationProviderError(
                        f"{self.name} refused the API key ({status}): check TRANSLATION_PROVIDER_API_KEY.",
                        code=TranslationErrorCode.PROVIDER_REFUSED,
                    )
                if status == 456:
                    raise TranslationProviderError(
                        f"{self.name}'s character quota is used up (456).", code=TranslationErrorCode.PROVIDER_REFUSED
                    )
                if status >= 400:
                    raise TranslationProviderError(
                        f"{self.name} refused the request ({status}): {self._error_text(body)}",
                        code=TranslationErrorCode.PROVIDER_REFUSED,
                    )
                try:
                    return orjson.loads(body)
                except ValueError as exc:
                    raise TranslationProviderError(
                        f"{self.name} answered {status} with something that is not JSON.",
                        code=TranslationErrorCode.PROVIDER_BAD_RESPONSE,
                    ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        delay = min(self.retry_base * (2**attempt), self.retry_max)
        if retry_after and retry_after.strip().isdigit():
            delay = min(float(retry_after.strip()), self.retry_max)
        return delay

    def _read_bounded(self, response: requests.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise TranslationProviderError(
                    f"{self.name}'s answer is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB.",
                    code=TranslationErrorCode.PROVIDER_BAD_RESPONSE,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _error_text(body: bytes) -> str:
        try:
            data = orjson.loads(body)
        except ValueError:
            return body[:200].decode("utf-8", "replace")
        if isinstance(data, dict):
            return str(data.get("error") or data.get("message") or data)[:200]
        return str(data)[:200]

    def _bad(self, what: str) -> TranslationProviderError:
        return TranslationProviderError(
            f"{self.name} answered JSON without {what}.", code=TranslationErrorCode.PROVIDER_BAD_RESPONSE
        )


class LibreTranslateProvider(TranslationProvider):
    """A LibreTranslate-compatible server: POST /translate (q as a list), GET /languages."""

    name = "LibreTranslate"

    def _fetch_languages(self) -> tuple[dict[str, set[str]], set[str]]:
        data = self._request("GET", "/languages")
        if not isinstance(data, list):
            raise self._bad("a list of languages")
        by_source: dict[str, set[str]] = {}
        targets: set[str] = set()
        for entry in data:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                raise self._bad("a code for each language")
            listed = {t for t in entry.get("targets") or [] if isinstance(t, str)}
            by_source[entry["code"]] = listed
            targets |= listed
        return by_source, targets

    def supports(self, source: str, target: str) -> bool:
        source_code = self.code_for(source, target=False)
        target_code = self.code_for(target, target=True)
        if source_code is None or target_code is None:
            return False
        return target_code in self.pairs()[0].get(source_code, set())

    def _translate_batch(self, texts: list[str], *, source: str, target: str, context: str) -> list[str]:
        # LibreTranslate takes no context: the neighbouring cues are not sent.
        body: dict[str, Any] = {"q": texts, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        data = self._request("POST", "/translate", json=body)
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(translated, str) and len(texts) == 1:
            translated = [translated]
        if not isinstance(translated, list):
            raise self._bad("translatedText")
        return translated


class DeepLProvider(TranslationProvider):
    """DeepL's API v2: POST /v2/translate (text list, source_lang, target_lang, context), GET /v2/languages."""

    name = "DeepL"

    def _headers(self) -> dict[str, str]:
        return {**super()._headers(), "Authorization": f"DeepL-Auth-Key {self.api_key}"}

    def _fetch_languages(self) -> tuple[dict[str, set[str]], set[str]]:
        codes: dict[str, set[str]] = {}
        for kind in ("source", "target"):
            data = self._request("GET", "/v2/languages", params={"type": kind})
            if not isinstance(data, list) or not all(
                isinstance(entry, dict) and isinstance(entry.get("language"), str) for entry in data
            ):
                raise self._bad(f"a list of {kind} languages")
            codes[kind] = {entry["language"] for entry in data}
        # Any source to any target.
        return {code: set() for code in codes["source"]}, codes["target"]

    def supports(self, source: str, target: str) -> bool:
        return self.code_for(source, target=False) is not None and self.code_for(target, target=True) is not None

    def _translate_batch(self, texts: list[str], *, source: str, target: str, context: str) -> list[str]:
        body: dict[str, Any] = {"text": texts, "source_lang": source, "target_lang": target}
        if context:
            body["context"] = context
        data = self._request("POST", "/v2/translate", json=body)
        translations = data.get("translations") if isinstance(data, dict) else None
        if not isinstance(translations, list) or not all(
            isinstance(item, dict) and isinstance(item.get("text"), str) for item in translations
        ):
            raise self._bad("translations[].text")
        return [item["text"] for item in translations]


PROVIDERS: dict[str, type[TranslationProvider]] = {"libretranslate": LibreTranslateProvider, "deepl": DeepLProvider}


def translation_provider_configured() -> bool:
    """Whether the settings name a provider (machine translation is offered)."""
    return bool(settings.TRANSLATION_PROVIDER)


def translation_provider_off_message() -> str:
    return (
        "Machine translation is off: no provider is configured. Set TRANSLATION_PROVIDER to libretranslate "
        "(with TRANSLATION_PROVIDER_URL) or deepl (with TRANSLATION_PROVIDER_API_KEY)."
    )


def translation_provider() -> TranslationProvider:
    """The provider the settings name; TranslationError(translation_provider_off) when none or a wrong one."""
    from localization.errors import TranslationError

    name = settings.TRANSLATION_PROVIDER.strip().lower()
    if not name:
        raise TranslationError(translation_provider_off_message(), code=TranslationErrorCode.PROVIDER_OFF)
    if name not in PROVIDERS:
        raise TranslationError(
            f"TRANSLATION_PROVIDER={name!r} is not one of {', '.join(PROVIDERS)}.",
            code=TranslationErrorCode.PROVIDER_OFF,
        )
    url = settings.TRANSLATION_PROVIDER_URL
    key = settings.TRANSLATION_PROVIDER_API_KEY
    if name == "deepl":
        if not key:
            raise TranslationError("DeepL needs TRANSLATION_PROVIDER_API_KEY.", code=TranslationErrorCode.PROVIDER_OFF)
        url = url or (DEEPL_FREE_URL if key.endswith(":fx") else DEEPL_URL)
    elif not url:
        raise TranslationError("LibreTranslate needs TRANSLATION_PROVIDER_URL.", code=TranslationErrorCode.PROVIDER_OFF)
    return PROVIDERS[name](url=url, api_key=key)


def texts_translate(
    provider: TranslationProvider, texts: list[str], *, source: str, target: str, context: str = ""
) -> list[str]:
    """`texts` from `source` to `target`, through English when the provider lacks the pair (and has
    source → English and English → target). TranslationProviderError(translation_pair_unsupported) else."""
    if not texts:
        return []
    if provider.supports(source, target):
        return provider.translate(texts, source=source, target=target, context=context)
    if (
        normalize_tag(source).split("-")[0] != PIVOT_LANGUAGE
        and normalize_tag(target).split("-")[0] != PIVOT_LANGUAGE
        and provider.supports(source, PIVOT_LANGUAGE)
        and provider.supports(PIVOT_LANGUAGE, target)
    ):
        english = provider.translate(texts, source=source, target=PIVOT_LANGUAGE, context=context)
        english_context = provider.translate([context], source=source, target=PIVOT_LANGUAGE)[0] if context else ""
        return provider.translate(english, source=PIVOT_LANGUAGE, target=target, context=english_context)
    raise TranslationProviderError(
        f"{provider.name} translates neither from {source} to {target} nor through English.",
        code=TranslationErrorCode.PAIR_UNSUPPORTED,
    )
