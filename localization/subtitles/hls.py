"""Subtitles in HLS: WebVTT segments aligned with a ladder's video segments, their media playlist, and the
subtitle renditions of a master playlist (RFC 8216 §3.5, §4.3.4.1). No database, no storage.

Each segment carries `X-TIMESTAMP-MAP=MPEGTS:<first video PTS in 90 kHz>,LOCAL:00:00:00.000`: cue times
stay relative to the episode's first frame, and the player maps them onto the video's own timestamps,
whatever offset the encoder gave the first frame (AAC priming shifts it by a few tens of milliseconds).
A cue spanning a segment boundary is repeated, with the same identifier and timing, in every segment it
overlaps, as the specification asks; a segment with no cue is a valid WebVTT file with its header only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from localization.subtitles.cues import Cue
from localization.subtitles.writers import webvtt_write

MPEGTS_CLOCK = 90_000
MPEGTS_WRAP = 1 << 33  # PTS values are 33 bits
SUBTITLE_GROUP = "subs"
SEGMENT_NAME = "seg_{:05d}.vtt"
PLAYLIST_NAME = "index.m3u8"

_EXTINF_RE = re.compile(r"^#EXTINF:([0-9.]+)", re.M)
_STREAM_INF_RE = re.compile(r"^(#EXT-X-STREAM-INF:[^\n]*)$", re.M)


def mpegts_ticks(pts: int, time_base: Fraction) -> int:
    """A timestamp in `time_base` units as 90 kHz MPEG-TS ticks (rounded, wrapped to 33 bits)."""
    return round(pts * time_base * MPEGTS_CLOCK) % MPEGTS_WRAP


def segment_durations(variant_playlist: str) -> list[float]:
    """The EXTINF durations (seconds) of a media playlist, in order."""
    return [float(value) for value in _EXTINF_RE.findall(variant_playlist)]


def segment_bounds_ms(durations: Sequence[float]) -> list[tuple[int, float]]:
    """[start, end) of each segment in milliseconds, from the cumulated durations (no drift from rounding
    each one); the last segment is open-ended, so a cue running past the video's end is still shown."""
    bounds: list[tuple[int, float]] = []
    elapsed = 0.0
    for index, duration in enumerate(durations):
        start = round(elapsed * 1000)
        elapsed += duration
        end = math.inf if index == len(durations) - 1 else round(elapsed * 1000)
        bounds.append((start, end))
    return bounds


def cues_by_segment(cues: Sequence[Cue], bounds: Sequence[tuple[int, float]]) -> list[list[tuple[int, Cue]]]:
    """(cue number from 1, cue) of every cue overlapping each segment; a cue across a boundary is in both."""
    segments: list[list[tuple[int, Cue]]] = [[] for _ in bounds]
    first = 0  # cues are sorted by start: the first segment a cue can overlap only moves forward
    for number, cue in enumerate(cues, 1):
        while first < len(bounds) - 1 and bounds[first][1] <= cue.start_ms:
            first += 1
        index = first
        while index < len(bounds) and bounds[index][0] < cue.end_ms:
            if bounds[index][1] > cue.start_ms:
                segments[index].append((number, cue))
            index += 1
    return segments


def webvtt_segment_write(cues: Sequence[tuple[int, Cue]], *, mpegts: int) -> str:
    """One WebVTT segment: the header with X-TIMESTAMP-MAP, then the cues with their episode-wide numbers
    (a repeated cue keeps its identifier, so players can tell it is the same one)."""
    header = f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n\n"
    # webvtt_write numbers the cues it is given from 1: each cue is written alone and given its number.
    skip = len("WEBVTT\n\n1\n")
    return header + "".join(f"{number}\n{webvtt_write([cue])[skip:]}" for number, cue in cues)


def subtitle_playlist_write(durations: Sequence[float], *, target_duration: int | None = None) -> str:
    """The subtitle media playlist: one WebVTT segment per video segment, with the same durations."""
    target = target_duration or max(1, math.ceil(max(durations, default=1)))
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    for index, duration in enumerate(durations):
        lines += [f"#EXTINF:{duration:.6f},", SEGMENT_NAME.format(index)]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def target_duration_of(variant_playlist: str) -> int | None:
    match = re.search(r"^#EXT-X-TARGETDURATION:(\d+)", variant_playlist, re.M)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class SubtitleMedia:
    """One subtitle rendition as the master playlist lists it."""

    language: str
    name: str
    uri: str
    forced: bool = False
    default: bool = False


def _quoted(value: str) -> str:
    # Quoted strings may not hold double quotes or line breaks (RFC 8216 §4.2).
    return '"' + re.sub(r'["\r\n]', "'", value) + '"'


def master_playlist_subtitles_add(master: str, media: Iterable[SubtitleMedia]) -> str:
    """The master playlist with an EXT-X-MEDIA TYPE=SUBTITLES line per rendition (before the variants), and
    SUBTITLES="subs" on every EXT-X-STREAM-INF; unchanged when there is none. NAMEs must be unique and at
    most one rendition DEFAULT (ValueError otherwise: the playlist would be invalid)."""
    media = list(media)
    if not media:
        return master
    names = [m.name for m in media]
    if len(set(names)) != len(names):
        raise ValueError(f"subtitle NAMEs must be unique in their group: {names}")
    if sum(m.default for m in media) > 1:
        raise ValueError("at most one subtitle rendition may be DEFAULT")
    tags = "".join(
        f"#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID={_quoted(SUBTITLE_GROUP)},NAME={_quoted(m.name)},"
        f"LANGUAGE={_quoted(m.language)},DEFAULT={'YES' if m.default else 'NO'},AUTOSELECT=YES"
        f"{',FORCED=YES' if m.forced else ''},URI={_quoted(m.uri)}\n"
        for m in media
    )
    first = _STREAM_INF_RE.search(master)
    if first is None:
        raise ValueError("the master playlist has no variant")
    with_group = _STREAM_INF_RE.sub(lambda m: f'{m.group(1)},SUBTITLES="{SUBTITLE_GROUP}"', master[first.start() :])
    return master[: first.start()] + tags + with_group
