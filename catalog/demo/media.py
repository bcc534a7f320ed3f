"""Something to play in the demo: a few short generated masters with subtitles in several languages and a dub.

The masters and dubs are made here by ffmpeg (a test pattern and a tone; a speech-like murmur for the dub, a
few seconds each) and go through the same services as an upload: `master_ingest` queues the transcode,
`subtitle_ingest` keeps each language as a live version, `dub_ingest` checks the dub against the episode and
keeps it live, and the worker packages the subtitles and the dub once the ladder is published. A demo
partner's playback URL then plays with its audio and subtitle tracks within a minute or two of `make run`.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from catalog.models import Drama, Episode
from localization.dubs.services import dub_ingest
from localization.models import DubTrack, SubtitleTrack
from localization.services import subtitle_ingest
from media import ffmpeg
from media.models import Master
from media.services import master_ingest

# The title most demo partners hold (North America, Thailand, the Gulf, Malaysia, the Philippines).
DRAMA_KEY = "ceo-secret-wife"
EPISODES = (1, 2)
SECONDS = 10
SIZE = "720x1280"  # vertical; the ladder takes the rungs at and below it (720p, 540p, 360p)

# Lines per language, one cue every three seconds; Arabic and Thai test the right-to-left and no-space scripts.
LINES: dict[str, tuple[str, str, str]] = {
    "en": ("Episode {n}. Three years ago, you left me.", "Now I am back, as your CEO.", "Sign the contract."),
    "zh-Hans": ("第{n}集。三年前，你离开了我。", "现在我回来了，成了你的总裁。", "签了这份合同。"),
    "th": ("ตอนที่ {n} สามปีก่อนคุณทิ้งฉันไป", "ตอนนี้ฉันกลับมาแล้ว ในฐานะซีอีโอของคุณ", "เซ็นสัญญานี้เถอะ"),
    "ar": ("الحلقة {n}. قبل ثلاث سنوات تركتني.", "والآن عدت، مديرًا تنفيذيًا لك.", "وقّع العقد."),
}

# Dubbed audio per episode: Thai, which the demo partner in Thailand (siam-shorts) holds the title in; its
# window allows the dub (catalog.demo.seed gives a licensee's languages among these to its audio languages).
DUB_LANGUAGES = ("th",)


def demo_dub_languages(drama_key: str) -> tuple[str, ...]:
    """The languages the demo dubs a drama into (none but the demo media's drama)."""
    return DUB_LANGUAGES if drama_key == DRAMA_KEY else ()


def demo_master_render(path: Path, *, seconds: int = SECONDS, size: str = SIZE) -> None:
    """A test pattern with a 440 Hz tone, H.264/AAC in MP4, as a phone app would upload it."""
    subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
         "-shortest", "-movflags", "+faststart", str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def demo_dub_render(path: Path, *, seconds: int = SECONDS) -> None:
    """A speech-like murmur as long as the master: pink noise in the voice band, pulsed at a syllable rate
    (about four a second), AAC stereo in M4A. Seeded, so every run makes the same file; loud enough and
    never at full scale, so it passes the dub checks (not silent, not clipped)."""
    murmur = (
        f"anoisesrc=color=pink:amplitude=0.5:seed=11:sample_rate=48000:duration={seconds},"
        "bandpass=f=900:width_type=h:w=1400,tremolo=f=4:d=0.8"
    )
    subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", murmur,
         "-ac", "2", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def demo_subtitles(language: str, *, number: int, seconds: int = SECONDS) -> bytes:
    """An SRT of the language's lines spread over the episode's first `seconds`."""
    step = seconds // 3
    blocks = []
    for index, line in enumerate(LINES[language]):
        start, end = index * step, index * step + step - 1
        blocks.append(f"{index + 1}\n00:00:{start:02d},200 --> 00:00:{end:02d},800\n{line.format(n=number)}\n")
    return "\n".join(blocks).encode("utf-8")


def demo_media_ensure(*, dramas: dict[str, Drama]) -> dict[str, int]:
    """Masters, subtitles and dubs for the demo episodes that have none yet; returns what was created."""
    created = {"masters": 0, "subtitle versions": 0, "dub versions": 0}
    drama = dramas.get(DRAMA_KEY)
    if drama is None:
        return created
    episodes = Episode.objects.filter(drama=drama, number__in=EPISODES).order_by("number")
    with tempfile.TemporaryDirectory(prefix="migu-demo-") as work:
        for episode in episodes:
            if not Master.objects.filter(episode=episode).exists():
                path = Path(work) / f"ep{episode.number:03d}.mp4"
                demo_master_render(path)
                # The episode runs as long as its master, so that no cue is "past the end".
                Episode.objects.filter(pk=episode.pk).update(duration_seconds=SECONDS)
                episode.duration_seconds = SECONDS
                with path.open("rb") as handle:
                    master_ingest(episode=episode, file=handle, original_filename=path.name)
                created["masters"] += 1
            have = set(SubtitleTrack.objects.filter(episode=episode).values_list("language", flat=True))
            for language in LINES:
                if language in have:
                    continue
                subtitle_ingest(
                    episode=episode,
                    language=language,
                    kind="full",
                    filename=f"ep{episode.number:03d}.{language}.srt",
                    data=demo_subtitles(language, number=episode.number),
                )
                created["subtitle versions"] += 1
            dubbed = set(DubTrack.objects.filter(episode=episode).values_list("language", flat=True))
            for language in DUB_LANGUAGES:
                if language in dubbed:
                    continue
                path = Path(work) / f"ep{episode.number:03d}.{language}.m4a"
                demo_dub_render(path)
                with path.open("rb") as handle:
                    dub_ingest(episode=episode, language=language, filename=path.name, file=handle)
                created["dub versions"] += 1
    return created
