"""Adding one dub to an existing 4-rung ladder against transcoding that ladder (the goal: ≤ 0.1×).

Round by round on a real Celery worker (queue `transcode`), median of DUB_BENCH_REPEAT rounds (default 3),
on a generated DUB_BENCH_SECONDS (default 30) 1080×1920 master, whose ladder has the four vertical rungs:

  transcode   the master's transcode job, from the upload until its ladder is published (the quality
              job it queues is cancelled or waited for, outside the figure)
  dub         one dub added to that ladder: the upload's checks (probe, full decode, levels) in the
              request, then its packaging job (two loudnorm passes, AAC fMP4 HLS, encryption, upload,
              publication), until the job has finished; the video is not touched

Environment: DUB_BENCH_REPEAT, DUB_BENCH_SECONDS, MEDIA_BENCH_SOURCE_PRESET (faster), MEDIA_X264_PRESET.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

from bench.media_ladder import BASE_DIR, Worker, _setup_django, source_make, wait_until

ACTIVE = ("pending", "running")


def _wait(predicate, what: str, timeout: float = 3600):
    return wait_until(predicate, what, timeout=timeout, interval=0.1)


def transcode_round(episode, source: Path) -> tuple[float, object]:
    """The transcode job's wall time until its ladder is published, and the ladder."""
    from jobs.models import Job, JobKind, JobStatus
    from media.models import Ladder
    from media.services import master_ingest

    started = time.monotonic()
    with source.open("rb") as handle:
        _master, job = master_ingest(episode=episode, file=handle, original_filename=source.name)
    ladder = _wait(lambda: Ladder.objects.filter(episode=episode, status="ready").first(), "the ladder")
    wall = time.monotonic() - started
    # The quality job it queued is not part of the figure: cancelled if not started, else waited for.
    Job.objects.filter(kind=JobKind.QUALITY, params__ladder_id=ladder.pk, status=JobStatus.PENDING).update(
        status=JobStatus.CANCELLED
    )
    _wait(lambda: not Job.objects.filter(params__episode_id=episode.pk, status__in=ACTIVE).exists(), "the jobs")
    row = Job.objects.get(pk=job.pk)
    if row.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"bench transcode failed: {row.error_code} {row.error}")
    return wall, ladder


def dub_round(episode, dub: Path, language: str) -> tuple[float, dict]:
    """One dub added to the episode's ladder: the upload (with its checks) and its packaging job."""
    from jobs.models import Job, JobKind, JobStatus
    from localization.dubs.services import dub_ingest

    started = time.monotonic()
    with dub.open("rb") as handle:
        version = dub_ingest(episode=episode, language=language, filename=dub.name, file=handle)
    if version.status != "live":
        raise RuntimeError(f"bench dub refused: {version.findings}")
    checked = time.monotonic() - started
    job = _wait(
        lambda: Job.objects.filter(kind=JobKind.DUB, params__version_id=version.pk, status__in=["succeeded", "failed"])
        .first(),
        "the dub job",
    )  # fmt: skip
    wall = time.monotonic() - started
    if job.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"bench dub packaging failed: {job.error_code} {job.error}")
    return wall, {"checks": checked, "packaging": job.result.get("packaging_seconds", 0.0)}


def main() -> dict:
    repeat = int(os.environ.get("DUB_BENCH_REPEAT", "3"))
    seconds = int(os.environ.get("DUB_BENCH_SECONDS", "30"))
    bench_dir = Path(os.environ.get("MIGU_VAR_DIR", BASE_DIR / "var")) / "bench" / "dubs"
    bench_dir.mkdir(parents=True, exist_ok=True)
    media_root = bench_dir / "storage"
    _setup_django(media_root)

    from catalog.models import Drama, Episode
    from jobs.models import Job
    from localization.tests.dub_samples import audio_make
    from media import ffmpeg
    from media.storage import media_storage, storage_delete_prefix
    from partners.models import Organization

    source_preset = os.environ.get("MEDIA_BENCH_SOURCE_PRESET", "faster")
    source = source_make(bench_dir / f"source_1080x1920_{seconds}s_{source_preset}.mp4", seconds, source_preset)
    rungs = ffmpeg.rungs_for("vertical", 1080, 1920)
    dub = audio_make(bench_dir / f"dub_{seconds}s.wav", seconds=seconds, frequency=523, volume=0.3)
    licensor, _ = Organization.objects.get_or_create(
        slug="bench-licensor", defaults={"name": "Bench licensor", "kind": "licensor"}
    )
    drama = Drama.objects.create(owner=licensor, original_title="Bench dubbed drama", format="vertical")
    episode = Episode.objects.create(drama=drama, number=1)
    transcodes, dubs, parts = [], [], []
    try:
        with Worker(media_root, bench_dir / "worker.log"):
            for round_no in range(1, repeat + 1):
                transcode, ladder = transcode_round(episode, source)
                dubbed, part = dub_round(episode, dub, language="yue")
                transcodes.append(transcode)
                dubs.append(dubbed)
                parts.append(part)
                print(
                    f"round {round_no}: transcode {transcode:.1f} s, add a dub {dubbed:.2f} s (checks "
                    f"{part['checks']:.2f} s, packaging {part['packaging']:.2f} s): {dubbed / transcode:.3f}×",
                    flush=True,
                )
                # The next round transcodes the same master again from scratch.
                ladder.delete()
    finally:
        storage = media_storage()
        for prefix in (f"hls/e{episode.pk}", f"masters/e{episode.pk}", f"dubs/e{episode.pk}"):
            storage_delete_prefix(storage, prefix)
        Job.objects.filter(params__episode_id=episode.pk).delete()
        drama.delete()
        shutil.rmtree(bench_dir / "work", ignore_errors=True)

    transcode_median, dub_median = statistics.median(transcodes), statistics.median(dubs)
    figures = {
        "rounds": repeat,
        "source": f"{seconds} s 1080x1920 30 fps ({source_preset}); rungs "
        + ", ".join(f"{r.width}x{r.height}" for r in rungs),
        "transcode_median_s": round(transcode_median, 2),
        "add_dub_median_s": round(dub_median, 2),
        "dub_checks_median_s": round(statistics.median(p["checks"] for p in parts), 2),
        "dub_packaging_median_s": round(statistics.median(p["packaging"] for p in parts), 2),
        "ratio": round(dub_median / transcode_median, 3),
        "goal": 0.1,
    }
    print("dub packaging:")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return figures


if __name__ == "__main__":
    main()
