"""Dubs in HLS: the audio renditions of a master playlist (RFC 8216 §4.3.4.1). No database, no storage.

The ladder's variants carry the original audio muxed with the video (one ffmpeg pass writes both), so
the original is the group's DEFAULT rendition *without* a URI — "the media is in the variant" — and each
dub is a rendition with a URI of its own (AAC in fMP4 segments). hls.js plays the muxed audio until a
dub is chosen, then takes audio from the dub's playlist alone (its "alt audio" mode); AVPlayer does the
same, as Apple's own multi-language examples do. Re-muxing the ladder into separate audio would touch
every published ladder and change nothing partners can hear, so adding a dub never touches the video.
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
    """One audio rendition as the master playlist lists it; `uri` empty for the audio in the variants."""

    language: str
    name: str
    uri: str = ""
    default: bool = False


def _quoted(value: str) -> str:
    # Quoted strings may not hold double quotes or line breaks (RFC 8216 §4.2).
    return '"' + re.sub(r'["\r\n]', "'", value) + '"'


def master_playlist_audio_add(master: str, media: Iterable[AudioMedia]) -> str:
    """The master playlist with an EXT-X-MEDIA TYPE=AUDIO line per rendition (before the variants) and
    AUDIO="aud" on every EXT-X-STREAM-INF; unchanged when there is none. NAMEs must be unique and exactly
    one rendition DEFAULT (ValueError otherwise: the playlist would be invalid)."""
    media = list(media)
    if not media:
        return master
    names = [m.name for m in media]
    if len(set(names)) != len(names):
        raise ValueError(f"audio NAMEs must be unique in their group: {names}")
    if sum(m.default for m in media) != 1:
        raise ValueError("exactly one audio rendition must be DEFAULT")
    tags = "".join(
        f"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID={_quoted(AUDIO_GROUP)},NAME={_quoted(m.name)},"
        f'LANGUAGE={_quoted(m.language)},DEFAULT={"YES" if m.default else "NO"},AUTOSELECT=YES,CHANNELS="2"'
        f"{f',URI={_quoted(m.uri)}' if m.uri else ''}\n"
        for m in media
    )
    first = _STREAM_INF_RE.search(master)
    if first is None:
        raise ValueError("the master playlist has no variant")
    with_group = _STREAM_INF_RE.sub(lambda m: f'{m.group(1)},AUDIO="{AUDIO_GROUP}"', master[first.start() :])
    return master[: first.start()] + tags + with_group
