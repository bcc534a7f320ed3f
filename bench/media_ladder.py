"""The transcode ladder on a generated 60 s 1080×1920 source with motion and noise.

In one run, interleaved round by round, median of MEDIA_BENCH_REPEAT rounds (default 3):

  per_rendition  one ffmpeg process per rung, one after another (the PeerTube / MediaCMS way)
  bare           the single ffmpeg command the pipeline builds (decode once, split, every rung)
  *_full         each of those followed by the same poster and sprite step (it reads the rungs)
  celery_job     the pipeline's transcode job on a real Celery worker: probe, the same commands,
                 AES-128 packaging, upload to storage, publish
  quality_job    the quality (VMAF) job the transcode queues, on the same worker afterwards

Environment: MEDIA_BENCH_REPEAT, MEDIA_BENCH_SECONDS (60), MEDIA_X264_PRESET (veryfast),
MEDIA_BENCH_SOURCE_PRESET (faster: the x264 preset of the generated High-profile master; `ultrafast`
gives a master that is much cheaper to decode than a real one, which shrinks what decoding once saves).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _setup_django(media_root: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")
    os.environ["MEDIA_ROOT"] = str(media_root)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = str(media_root)
    # The bench writes a drama, an episode and its master: the schema must be current.
    call_command("migrate", "--noinput", verbosity=0)


def source_make(path: Path, seconds: int, preset: str) -> Path:
    from media.ffmpeg import ffmpeg_binary

    if path.exists():
        return path
    print(f"generating {seconds} s 1080×1920 source with motion and noise (x264 {preset}) …", flush=True)
    tmp = path.with_suffix(".part.mp4")
    subprocess.run(
        [ffmpeg_binary(), "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=s=1080x1920:r=30:d={seconds},noise=alls=10:allf=t",
         "-f", "lavfi", "-i", f"sine=f=330:d={seconds}",
         # A mezzanine-like 30 Mbit/s High-profile master, as editing tools export them (CABAC, B-frames,
         # deblocking: it costs what a real master costs to decode); noise is incompressible, so the
         # bitrate is capped rather than left to CRF.
         "-c:v", "libx264", "-preset", preset, "-profile:v", "high", "-b:v", "30M", "-maxrate", "30M",
         "-bufsize", "60M", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(tmp)],
        check=True,
    )  # fmt: skip
    tmp.rename(path)
    return path


def per_rendition_commands(plan) -> list[list[str]]:
    """One process per rung, same encoder settings, HLS fMP4 out: decode and scale once per rung."""
    from media import ffmpeg

    commands = []
    for i, rung in enumerate(plan.rungs):
        out = plan.out_dir / f"v{i}"
        out.mkdir(parents=True, exist_ok=True)
        commands.append([
            ffmpeg.ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-i", str(plan.source),
            "-vf", ffmpeg.rung_filter(plan, rung), "-map", "0:v:0", "-map", "0:a:0",
            "-c:v", "libx264", "-preset", plan.preset, "-profile:v", "high", "-pix_fmt", "yuv420p",
            "-b:v", str(rung.video_bitrate), "-maxrate", str(int(rung.video_bitrate * 1.25)),
            "-bufsize", str(rung.video_bitrate * 2),
            "-g", str(plan.gop), "-keyint_min", str(plan.gop), "-sc_threshold", "0",
            "-force_key_frames", f"expr:gte(t,n_forced*{ffmpeg.SEGMENT_SECONDS})",
            "-c:a", "aac", "-b:a", str(ffmpeg.AUDIO_BITRATE), "-ac", "2", "-ar", "48000",
            "-f", "hls", "-hls_time", str(ffmpeg.SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_segment_filename", str(out / "seg_%05d.m4s"), str(out / "index.m3u8"),
        ])  # fmt: skip
    return commands


def thumbnails(plan) -> None:
    from media import ffmpeg

    subprocess.run(ffmpeg.thumbnails_command(plan), check=True)


def wait_until(predicate, what: str, *, timeout: float, interval: float):
    """Poll `predicate` until it answers something truthy, and return that; a bench that waits longer fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"bench: timed out waiting for {what}")


def timed(fn) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


class Worker:
    """A real Celery worker process (concurrency 1) on `queues`, seeing the bench's storage."""

    def __init__(self, media_root: Path, log: Path, queues: str = "transcode"):
        self.media_root, self.log, self.queues = media_root, log, queues

    def __enter__(self):
        from migu_platform.celery import app

        self.name = f"bench-{os.getpid()}@{os.uname().nodename}"
        env = dict(os.environ, MEDIA_ROOT=str(self.media_root))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "migu_platform", "worker", "-Q", self.queues, "--concurrency", "1",
             "-n", self.name, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
            cwd=BASE_DIR, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(destination=[self.name], timeout=0.5):
                return self
        raise RuntimeError(f"bench worker did not start; see {self.log}")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, 15)
        self.process.wait(60)


def celery_job_run(episode, source: Path) -> dict[str, float]:
    from jobs.models import Job, JobKind, JobStatus
    from media.models import Ladder
    from media.services import master_ingest

    with source.open("rb") as handle:
        master, job = master_ingest(episode=episode, file=handle, original_filename=source.name)
    sent = time.monotonic()
    while True:
        row = Job.objects.get(pk=job.pk)
        if row.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            break
        time.sleep(0.2)
    wall = time.monotonic() - sent
    if row.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"bench transcode failed: {row.error_code} {row.error}\n{row.log_tail}")
    ladder = Ladder.objects.get(pk=row.result["ladder_id"])
    # Until the ladder was published (playable).
    to_publish = wall - (row.finished_at - ladder.published_at).total_seconds()
    # The quality job the transcode queued, on the same worker right after.
    while True:
        quality = Job.objects.filter(kind=JobKind.QUALITY, params__ladder_id=ladder.pk).first()
        if quality is not None and quality.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            break
        time.sleep(0.2)
    if quality.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"bench quality job failed: {quality.error_code} {quality.error}")
    quality_wall = (quality.finished_at - quality.started_at).total_seconds()
    renditions = list(ladder.renditions.order_by("index"))
    # Same master again next round: drop this ladder so the next run does the whole job.
    Ladder.objects.filter(pk=ladder.pk).delete()
    return {
        "wall": wall,
        "published": to_publish,
        "quality_wall": quality_wall,
        "quality": {f"{r.width}x{r.height}": (r.vmaf, r.ssim, r.psnr) for r in renditions},
        "master_id": master.pk,
    }


def main() -> dict:
    repeat = int(os.environ.get("MEDIA_BENCH_REPEAT", "3"))
    seconds = int(os.environ.get("MEDIA_BENCH_SECONDS", "60"))
    bench_dir = Path(os.environ.get("MIGU_VAR_DIR", BASE_DIR / "var")) / "bench" / "media"
    bench_dir.mkdir(parents=True, exist_ok=True)
    media_root = bench_dir / "storage"
    _setup_django(media_root)

    from catalog.models import Drama, Episode
    from media import ffmpeg
    from media.storage import media_storage, storage_delete_prefix
    from partners.models import Organization

    source_preset = os.environ.get("MEDIA_BENCH_SOURCE_PRESET", "faster")
    source = source_make(bench_dir / f"source_1080x1920_{seconds}s_{source_preset}.mp4", seconds, source_preset)
    probe = ffmpeg.probe(source)
    work = bench_dir / "work"
    licensor, _ = Organization.objects.get_or_create(
        slug="bench-licensor", defaults={"name": "Bench licensor", "kind": "licensor"}
    )
    drama = Drama.objects.create(owner=licensor, original_title="Bench drama", format="vertical")
    episode = Episode.objects.create(drama=drama, number=1)
    results: dict[str, list[float]] = {
        "per_rendition": [], "bare": [], "per_rendition_full": [], "bare_full": [], "celery_job": [],
        "celery_published": [], "quality_job": [],
    }  # fmt: skip
    quality = {}
    try:
        with Worker(media_root, bench_dir / "worker.log"):
            for round_no in range(1, repeat + 1):
                shutil.rmtree(work, ignore_errors=True)
                plan = ffmpeg.ladder_plan(source=source, out_dir=work, probe=probe, profile="vertical")
                commands = per_rendition_commands(plan)
                t = timed(lambda commands=commands: [subprocess.run(c, check=True) for c in commands])
                results["per_rendition"].append(t)
                # The same poster and sprite step after either ladder: it reads the rungs, not the source.
                results["per_rendition_full"].append(t + timed(lambda plan=plan: thumbnails(plan)))
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                t = timed(
                    lambda plan=plan: subprocess.run(ffmpeg.ladder_command(plan), check=True, stdout=subprocess.DEVNULL)
                )
                results["bare"].append(t)
                results["bare_full"].append(t + timed(lambda plan=plan: thumbnails(plan)))
                job = celery_job_run(episode, source)
                results["celery_job"].append(job["wall"])
                results["celery_published"].append(job["published"])
                results["quality_job"].append(job["quality_wall"])
                quality = job["quality"]
                print(
                    f"round {round_no}: per-rendition {results['per_rendition'][-1]:.1f} s "
                    f"(+ thumbnails {results['per_rendition_full'][-1]:.1f} s), "
                    f"bare {results['bare'][-1]:.1f} s (+ thumbnails {results['bare_full'][-1]:.1f} s), "
                    f"celery job {job['wall']:.1f} s (ladder published at {job['published']:.1f} s), "
                    f"quality job {job['quality_wall']:.1f} s",
                    flush=True,
                )
    finally:
        storage = media_storage()
        storage_delete_prefix(storage, f"hls/e{episode.pk}")
        storage_delete_prefix(storage, f"masters/e{episode.pk}")
        from jobs.models import Job, JobKind

        Job.objects.filter(kind__in=[JobKind.TRANSCODE, JobKind.QUALITY], params__episode_id=episode.pk).delete()
        drama.delete()
        shutil.rmtree(work, ignore_errors=True)

    med = {name: statistics.median(values) for name, values in results.items()}
    figures = {
        "rounds": repeat,
        "source": f"{seconds} s 1080x1920 30 fps High profile ({source_preset}) 30 Mbit/s; ladder preset {plan.preset}, rungs "
        + ", ".join(f"{r.width}x{r.height}" for r in plan.rungs),
        "median_s": {k: round(v, 1) for k, v in med.items()},
        "speedup_vs_per_rendition_ladder_only": round(med["per_rendition"] / med["bare"], 2),
        "speedup_vs_per_rendition_with_thumbnails": round(med["per_rendition_full"] / med["bare_full"], 2),
        "job_speedup_vs_per_rendition_with_thumbnails": round(med["per_rendition_full"] / med["celery_published"], 2),
        "job_over_bare_with_thumbnails": round(med["celery_job"] / med["bare_full"], 3),
        "job_published_over_bare_with_thumbnails": round(med["celery_published"] / med["bare_full"], 3),
        "quality_job_over_bare_with_thumbnails": round(med["quality_job"] / med["bare_full"], 3),
        "realtime_factor_bare": round(seconds / med["bare"], 2),
        "realtime_factor_job_published": round(seconds / med["celery_published"], 2),
        "quality_last_round": quality,
    }
    print("media ladder:")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return figures


if __name__ == "__main__":
    main()
