"""Dubs in HLS: the audio renditions of a master playlist (RFC 8216 §4.3.4.1). No database, no storage.

A ladder's variants are video only; its original audio is a rendition of its own in the AUDIO group
(media.ffmpeg.ladder_command), and each dub is one more rendition of that group, with a URI of its own
(AAC in fMP4 segments). Every rendition has a URI, so hls.js and AVPlayer alike load exactly one audio
playlist next to the video and switch between them while playing; adding a dub never touches the video.
A ladder built before the audio had its own rendition (audio muxed into each variant) is served as it
was, without dubs: hls.js cannot switch from audio inside fMP4 video segments to a separate playlist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

AUDIO_GROUP = "aud"
PLAYLIST_NAME = "index.m3u8"

_STREAM_INF_RE = re.compile(r"^(#EXT-X-STREAM-INF:[^\n]*)$", re.M)


@dataclass(frozen=True)
class AudioMedia:
    """One audio rendition as the master playlist lists it."""

    language: str
    name: str
    uri: str = ""
    default: bool = False


def _quoted(value: str) -> str:
    # Quoted strings may not hold double quotes or line breaks (RFC 8216 §4.2).
    return '"' + re.sub(r'["\r\n]', "'", value) + '"'


_AUDIO_MEDIA_RE = re.compile(r"^#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*\n", re.M)
_AUDIO_ATTR_RE = re.compile(r',AUDIO="[^"]*"')


def ladder_audio_uri(master: str) -> str:
    """The URI of the ladder's own audio rendition in its stored master playlist; "" when its audio is
    muxed into the variants (a ladder built before audio had its own rendition)."""
    match = re.search(r'^#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*URI="([^"]+)"', master, re.M)
    return match.group(1) if match else ""


def master_playlist_audio_add(master: str, media: Iterable[AudioMedia]) -> str:
    """The master playlist with its audio group replaced by an EXT-X-MEDIA TYPE=AUDIO line per rendition
    (before the variants) and AUDIO="aud" on every EXT-X-STREAM-INF; unchanged when there is none. NAMEs
    must be unique, each rendition have a URI, exactly one be DEFAULT (ValueError otherwise)."""
    media = list(media)
    if not media:
        return master
    names = [m.name for m in media]
    if len(set(names)) != len(names):
        raise ValueError(f"audio NAMEs must be unique in their group: {names}")
    if sum(m.default for m in media) != 1:
        raise ValueError("exactly one audio rendition must be DEFAULT")
    if not all(m.uri for m in media):
        raise ValueError("every audio rendition needs a URI")
    tags = "".join(
        f"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID={_quoted(AUDIO_GROUP)},NAME={_quoted(m.name)},"
        f'LANGUAGE={_quoted(m.language)},DEFAULT={"YES" if m.default else "NO"},AUTOSELECT=YES,CHANNELS="2",'
        f"URI={_quoted(m.uri)}\n"
        for m in media
    )
    master = _AUDIO_MEDIA_RE.sub("", master)
    first = _STREAM_INF_RE.search(master)
    if first is None:
        raise ValueError("the master playlist has no variant")
    with_group = _STREAM_INF_RE.sub(
        lambda m: f'{_AUDIO_ATTR_RE.sub("", m.group(1))},AUDIO="{AUDIO_GROUP}"', master[first.start() :]
    )
    return master[: first.start()] + tags + with_group
