"""Generated dub audio for the tests (seconds long): a tone, silence, a clipped tone, a truncated file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from media.ffmpeg import ffmpeg_binary


def audio_make(
    path: Path,
    *,
    seconds: float = 2,
    source: str = "sine",
    frequency: int = 440,
    volume: float = 1.0,
    channels: int = 2,
    sample_rate: int = 48000,
) -> Path:
    """A lavfi tone (`sine`) or digital silence (`silence`) of `seconds`, in the container the suffix names
    (.wav PCM, .m4a/.mp4 AAC, .aac ADTS); `volume` above 1 drives the tone into clipping."""
    if source == "silence":
        graph = f"anullsrc=r={sample_rate}:cl={'stereo' if channels == 2 else 'mono'}"
        inputs = ["-f", "lavfi", "-t", f"{seconds}", "-i", graph]
    else:
        inputs = ["-f", "lavfi", "-i", f"sine=f={frequency}:d={seconds}:sample_rate={sample_rate},volume={volume}"]
    codec = {".wav": ["-c:a", "pcm_s16le"], ".aac": ["-c:a", "aac", "-f", "adts"]}.get(
        path.suffix, ["-c:a", "aac", "-movflags", "+faststart"]
    )
    command = [ffmpeg_binary(), "-nostdin", "-v", "error", "-y", *inputs, "-ac", str(channels), *codec, str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


def truncated(path: Path, out: Path, *, keep: float = 0.4) -> Path:
    """The first `keep` share of a file's bytes, as an interrupted upload or copy leaves it."""
    data = path.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out
