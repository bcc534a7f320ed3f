"""HLS AES-128 encryption of segments and playback tokens.

ffmpeg 6.0 cannot encrypt fMP4 HLS output ("Encrypted fmp4 not yet supported"), so segments are
encrypted here after encoding: AES-128-CBC with PKCS#7 padding over each whole segment, as RFC 8216
§5.2 defines METHOD=AES-128. The EXT-X-KEY tag is written after EXT-X-MAP, so the initialization
section (codec configuration only, no media) stays clear and every media segment is encrypted.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core import signing

from media.errors import MediaErrorCode

# The key URI written into stored playlists; delivery replaces it with the token-checked key URL.
KEY_URI_PLACEHOLDER = "migu-key:episode"
_TOKEN_RE = re.compile(
    r"^(?P<org>\d+)\.(?P<episode>\d+)\.(?P<territory>[A-Z]{2})\.(?P<exp>\d+)\.(?P<sig>[\w-]{43})$", re.ASCII
)


def content_key_new() -> bytes:
    return os.urandom(16)


def segment_encrypt(path: Path, *, key: bytes, iv: bytes) -> None:
    """Encrypt one segment file in place (AES-128-CBC, PKCS#7)."""
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    data = path.read_bytes()
    path.write_bytes(encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize())


def segment_decrypt(data: bytes, *, key: bytes, iv: bytes) -> bytes:
    """The clear bytes of a segment encrypted by segment_encrypt."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()


def variant_key_iv(playlist: str) -> bytes | None:
    """The IV the variant playlist declares for its segments (None: they are in the clear)."""
    match = re.search(r"#EXT-X-KEY:METHOD=AES-128,[^\n]*IV=0x([0-9a-fA-F]{32})", playlist)
    return bytes.fromhex(match.group(1)) if match else None


def variant_encrypt(playlist: Path, *, key: bytes) -> int:
    """Encrypt every media segment of a variant playlist and declare the key; return the segment count."""
    iv = os.urandom(16)
    text = playlist.read_text()
    segments = [line for line in text.splitlines() if line and not line.startswith("#")]
    for name in segments:
        segment_encrypt(playlist.parent / name, key=key, iv=iv)
    key_tag = f'#EXT-X-KEY:METHOD=AES-128,URI="{KEY_URI_PLACEHOLDER}",IV=0x{iv.hex()}\n'
    if "#EXT-X-MAP:" in text:
        text = re.sub(r"(#EXT-X-MAP:[^\n]*\n)", lambda m: m.group(1) + key_tag, text, count=1)
    else:
        text = re.sub(r"(#EXTINF:)", key_tag + r"\1", text, count=1)
    playlist.write_text(text)
    return len(segments)


# --- Playback tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaybackClaims:
    organization_id: int
    episode_id: int
    territory: str
    expires_at: int  # unix seconds


# A signer of its own (its salt), so no other signature of the project verifies here. The claims are the
# signed value itself, readable in the URL; the signature is HMAC-SHA256 (43 URL-safe characters).
_SIGNER = signing.Signer(salt="migu.media.playback-token", sep=".", algorithm="sha256")


def token_sign(claims: PlaybackClaims) -> str:
    return _SIGNER.sign(f"{claims.organization_id}.{claims.episode_id}.{claims.territory}.{claims.expires_at}")


class TokenRefused(Exception):
    def __init__(self, code: MediaErrorCode, message: str):
        super().__init__(message)
        self.code = code


def token_verify(token: str, *, now: float | None = None) -> PlaybackClaims:
    """The claims of a well-signed, unexpired token; TokenRefused otherwise (signature checked first)."""
    match = _TOKEN_RE.match(token or "")
    if not match:
        raise TokenRefused(MediaErrorCode.TOKEN_INVALID, "The playback token is malformed.")
    try:
        _SIGNER.unsign(token)
    except signing.BadSignature:
        raise TokenRefused(MediaErrorCode.TOKEN_INVALID, "The playback token's signature does not match.") from None
    claims = PlaybackClaims(
        organization_id=int(match.group("org")),
        episode_id=int(match.group("episode")),
        territory=match.group("territory"),
        expires_at=int(match.group("exp")),
    )
    if claims.expires_at <= (now if now is not None else time.time()):
        raise TokenRefused(MediaErrorCode.TOKEN_EXPIRED, "The playback token has expired.")
    return claims
