"""Subtitle file names that say where a file goes: ep001.th.srt, ep002.zh-Hans.sdh.vtt, ep003.ar.forced.ttml.

One rule for every bulk path (the `ingest_subtitles` command and the admin's bulk upload). Episode
numbers are read as `ingest_masters` reads them (ep001, EP_12, episode-3, E07, 012).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from localization.languages import is_valid_tag, normalize_tag
from localization.models import SubtitleKind
from localization.subtitles.parse import EXTENSIONS
from media.management.commands.ingest_masters import episode_number_from


@dataclass(frozen=True)
class SubtitleFileName:
    episode: int
    language: str
    kind: str


def subtitle_file_name_parse(name: str) -> SubtitleFileName | str:
    """ep001.th.srt → (1, th, full); ep001.zh-Hans.forced.vtt → (1, zh-Hans, forced); else why not."""
    path = PurePosixPath(name)
    if path.suffix.lower() not in EXTENSIONS:
        return f"not a subtitle file ({', '.join(sorted(EXTENSIONS))})"
    parts = path.name[: -len(path.suffix)].split(".")
    number = episode_number_from(Path(parts[0] + ".x"))
    if number is None or len(parts) not in (2, 3):
        return "not named like ep001.th.srt or ep001.th.forced.vtt"
    language = normalize_tag(parts[1])
    if not is_valid_tag(language):
        return f"{parts[1]!r} is not a language tag"
    kind = parts[2].lower() if len(parts) == 3 else SubtitleKind.FULL.value
    if kind not in SubtitleKind.values:
        return f"{parts[2]!r} is not a subtitle kind ({', '.join(SubtitleKind.values)})"
    return SubtitleFileName(number, language, kind)
