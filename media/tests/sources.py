"""Tiny generated masters for the tests (seconds long, 360×640 at most) and the bad inputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from media.ffmpeg import ffmpeg_binary


def video_make(
    path: Path,
    *,
    width: int = 360,
    height: int = 640,
    seconds: float = 2,
    fps: int = 30,
    audio: bool = True,
    video: bool = True,
    faststart: bool = True,
) -> Path:
    """testsrc2 with noise (so the encoder has real work) and a sine tone, H.264/AAC in MP4."""
    command = [ffmpeg_binary(), "-nostdin", "-v", "error", "-y"]
    if video:
        command += ["-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:r={fps}:d={seconds},noise=alls=12:allf=t"]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]
    if video:
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-pix_fmt", "yuv420p"]
    if audio:
        command += ["-c:a", "aac", "-b:a", "64k"]
    if faststart:
        command += ["-movflags", "+faststart"]
    command += ["-f", "mp4", str(path)]
    subprocess.run(command, check=True, timeout=120)
    return path


def bad_inputs(folder: Path, good: Path) -> dict[str, Path]:
    """Files that must each be refused with a named reason."""
    folder.mkdir(parents=True, exist_ok=True)
    data = good.read_bytes()
    secret = folder / "secret.txt"
    secret.write_text("must never be read\n")
    files = {
        "zero": b"",
        # A faststart MP4 cut short: ffprobe still reports the full duration; only decoding finds out.
        "truncated": data[: int(len(data) * 0.6)],
        "text": b"This is not a video, just a text file renamed to .mp4.\n" * 20,
        "hls_playlist": (
            "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
            f"{secret}\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
        ).encode(),
        "concat_playlist": f"ffconcat version 1.0\nfile '{secret}'\nfile '/etc/passwd'\n".encode(),
    }
    paths = {}
    for name, content in files.items():
        path = folder / f"{name}.mp4"
        path.write_bytes(content)
        paths[name] = path
    paths["audio_only"] = video_make(folder / "audio_only.mp4", video=False)
    paths["absurd_dimensions"] = video_make(folder / "absurd_dimensions.mp4", width=32, height=4000, seconds=1)
    return paths
