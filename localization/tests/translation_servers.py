"""Loopback HTTP servers speaking LibreTranslate's and DeepL's protocols, started by the tests that use
them (a thread each). They "translate" by tagging the text with the target language, so a test sees which
hops a text took; `script` queues canned answers (a 429, a 503, malformed JSON) served before the real ones."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Canned:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


def fake_translation(text: str, target: str) -> str:
    return f"{target.lower()}:{text}"


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer  # type: ignore[assignment]

    def log_message(self, *args) -> None:  # quiet
        pass

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        url = urlparse(self.path)
        seen = Seen(method, url.path, parse_qs(url.query), {k.lower(): v for k, v in self.headers.items()}, body)
        with self.server.lock:
            self.server.seen.append(seen)
            canned = self.server.script.pop(0) if self.server.script else None
        if canned is None:
            canned = self.server.answer(seen)
        self.send_response(canned.status)
        payload = canned.body
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in canned.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.seen: list[Seen] = []
        self.script: list[Canned] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def translations(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]

    def answer(self, seen: Seen) -> Canned:  # pragma: no cover - subclasses answer
        raise NotImplementedError

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


def _json(status: int, data: Any) -> Canned:
    return Canned(status, json.dumps(data).encode())


class LibreTranslateServer(LoopbackServer):
    """Chinese to English only, English to Chinese, Thai and Korean: Chinese to Thai needs the pivot."""

    api_key = "lt-secret"
    languages = [
        {"code": "zh-Hans", "name": "Chinese", "targets": ["en"]},
        {"code": "en", "name": "English", "targets": ["zh-Hans", "th", "ko"]},
        {"code": "th", "name": "Thai", "targets": ["en"]},
        {"code": "ko", "name": "Korean", "targets": ["en"]},
    ]

    def answer(self, seen: Seen) -> Canned:
        if seen.method == "GET" and seen.path == "/languages":
            return _json(200, self.languages)
        if seen.method == "POST" and seen.path == "/translate":
            body = seen.body if isinstance(seen.body, dict) else {}
            if body.get("api_key") != self.api_key:
                return _json(403, {"error": "Invalid API key"})
            q = body.get("q")
            if body.get("format") != "text" or not body.get("source") or not body.get("target"):
                return _json(400, {"error": "Invalid request"})
            targets = next((entry["targets"] for entry in self.languages if entry["code"] == body["source"]), [])
            if body["target"] not in targets:
                return _json(400, {"error": f"{body['target']} is not supported"})
            if isinstance(q, list):
                return _json(200, {"translatedText": [fake_translation(t, body["target"]) for t in q]})
            return _json(200, {"translatedText": fake_translation(q, body["target"])})
        return _json(404, {"error": "Not Found"})


class DeepLServer(LoopbackServer):
    auth_key = "deepl-secret:fx"

    def answer(self, seen: Seen) -> Canned:
        if seen.headers.get("authorization") != f"DeepL-Auth-Key {self.auth_key}":
            return _json(403, {"message": "Wrong endpoint or auth key"})
        if seen.method == "GET" and seen.path == "/v2/languages":
            if seen.query.get("type") == ["target"]:
                return _json(200, [{"language": code, "name": code} for code in ("EN-GB", "EN-US", "KO", "ZH-HANS")])
            return _json(200, [{"language": code, "name": code} for code in ("EN", "KO", "ZH")])
        if seen.method == "POST" and seen.path == "/v2/translate":
            body = seen.body if isinstance(seen.body, dict) else {}
            texts = body.get("text")
            if not isinstance(texts, list) or not body.get("target_lang"):
                return _json(400, {"message": "Parameter 'text' not specified."})
            return _json(
                200,
                {
                    "translations": [
                        {"detected_source_language": body.get("source_lang") or "ZH",
                         "text": fake_translation(t, body["target_lang"])}
                        for t in texts
                    ]
                },
            )  # fmt: skip
        return _json(404, {"message": "Not found"})
