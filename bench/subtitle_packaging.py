"""Subtitle packaging: the job's wall time against the bare work it wraps (the goal: ≤ 1.1×).

    python -m bench subtitle_packaging [--rounds 10] [--seconds 120] [--reseed]

A generated 1080×1920 master of `--seconds` (a 2-minute vertical episode by default) is transcoded once
through a real Celery worker on the `transcode` queue, as production does; the episode and its ladder are
kept for the next run (`--reseed` transcodes a new one). Then, on a real worker of the `default` queue
(concurrency 1), where production routes packaging jobs, round by round, for each of 6 languages (zh-Hans, yue, en, ko, th, ar; about 60 cues each, one or two
lines, spread over the episode):

  job    a new version uploaded with localization.services.subtitle_ingest, whose packaging job is
         queued on commit to the worker's `default` queue; its wall time is the job row's
         started_at → finished_at (the attempt counted, the lookups, the work, the end recorded), and
         for information created_at → finished_at (enqueue, broker and worker pick-up included) and the
         job's own `packaging_seconds`
  bare   right after, in this process: localization.services.subtitle_package on the same version and
         ladder (a re-run's work: the same cues read back, the ladder's timing read, the same files
         written, uploaded and published), with no job bookkeeping around it — the job row is only the
         argument the function takes (its id names the build), never begun nor ended

The ratio is the median over every version of its job's wall time against the bare work measured right
after it (the machine's load moves both by tens of milliseconds from round to round); the other figures
are medians over the rounds of each round's mean per version. A warm-up round is not counted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from bench.media_ladder import BASE_DIR, Worker, _setup_django, source_make, wait_until
from bench.subtitles import SAMPLES, _srt_time

GOAL_RATIO = 1.1
LANGUAGES = ("zh-Hans", "yue", "en", "ko", "th", "ar")
CUES_PER_EPISODE = 60
ACTIVE = ("pending", "running")


def _wait(predicate, what: str, timeout: float = 1800):
    return wait_until(predicate, what, timeout=timeout, interval=0.05)


def srt_make(language: str, seconds: int, rng: random.Random) -> bytes:
    """An episode's SRT in `language`: CUES_PER_EPISODE cues of one or two lines spread over the episode,
    none overlapping, the last ending before the episode does."""
    samples = SAMPLES[language]
    slot = (seconds * 1000 - 1500) // CUES_PER_EPISODE
    blocks = []
    for number in range(1, CUES_PER_EPISODE + 1):
        lines = [rng.choice(samples)]
        if number % 3 == 0:
            lines.append(rng.choice(samples))
        if number % 7 == 0:
            lines[0] = f"<i>{lines[0]}</i>"
        start = 500 + (number - 1) * slot
        end = start + slot - rng.randint(250, 400)
        blocks.append(f"{number}\r\n{_srt_time(start)} --> {_srt_time(end)}\r\n" + "\r\n".join(lines) + "\r\n")
    return "\r\n".join(blocks).encode("utf-8")


def ladder_make(episode, source: Path, media_root: Path, log: Path):
    """The episode's ladder, transcoded from `source` by a worker on the `transcode` queue, stopped once the
    ladder is published: the quality job it queues is not what this bench measures (it is cancelled)."""
    from jobs.models import Job, JobStatus
    from media.models import Ladder
    from media.services import master_ingest

    with Worker(media_root, log, queues="transcode"):
        with source.open("rb") as handle:
            _master, job = master_ingest(episode=episode, file=handle, original_filename=source.name)
        ladder = _wait(lambda: Ladder.objects.filter(episode=episode, status="ready").first(), "the ladder")
        _wait(lambda: Job.objects.get(pk=job.pk).status not in ACTIVE, "the transcode job")
    Job.objects.filter(params__episode_id=episode.pk, status__in=ACTIVE).update(status=JobStatus.CANCELLED)
    row = Job.objects.get(pk=job.pk)
    if row.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"bench transcode failed: {row.error_code} {row.error}")
    return ladder


def episode_with_ladder(source: Path, seconds: int, media_root: Path, log: Path, reseed: bool):
    """The bench's episode and its READY ladder, kept from an earlier run (transcoding a 2-minute master
    takes minutes) unless `reseed` or its files are gone."""
    from catalog.models import Drama, Episode
    from jobs.models import Job, JobStatus
    from media.models import Ladder
    from media.storage import media_storage, storage_delete_prefix
    from partners.models import Organization

    storage = media_storage()
    title = f"Bench subtitled drama ({seconds} s)"
    for drama in Drama.objects.filter(original_title=title):
        episode = drama.episodes.get(number=1)
        ladder = Ladder.objects.filter(episode=episode, status="ready").first()
        if not reseed and ladder is not None and storage.exists(ladder.key("v0/index.m3u8")):
            Job.objects.filter(params__episode_id=episode.pk, status__in=ACTIVE).update(status=JobStatus.CANCELLED)
            print(f"reusing ladder {ladder.pk} of episode {episode.pk} (--reseed transcodes a new one)", flush=True)
            return episode, ladder
        for prefix in (f"hls/e{episode.pk}", f"masters/e{episode.pk}", f"subtitles/e{episode.pk}"):
            storage_delete_prefix(storage, prefix)
        Job.objects.filter(params__episode_id=episode.pk).delete()
        drama.delete()
    licensor, _ = Organization.objects.get_or_create(
        slug="bench-licensor", defaults={"name": "Bench licensor", "kind": "licensor"}
    )
    drama = Drama.objects.create(owner=licensor, original_title=title, format="vertical")
    episode = Episode.objects.create(drama=drama, number=1)
    started = time.monotonic()
    ladder = ladder_make(episode, source, media_root, log)
    print(f"ladder {ladder.pk} transcoded in {time.monotonic() - started:.1f} s", flush=True)
    return episode, ladder


def subtitles_delete(episode) -> None:
    """The bench's subtitles (tracks, versions, renditions, their jobs and files); the ladder is kept."""
    from jobs.models import Job, JobKind
    from localization.models import SubtitleTrack
    from media.storage import media_storage, storage_delete_prefix

    storage = media_storage()
    for prefix in (f"hls/e{episode.pk}/subtitles", f"subtitles/e{episode.pk}"):
        storage_delete_prefix(storage, prefix)
    Job.objects.filter(kind=JobKind.SUBTITLES, params__episode_id=episode.pk).delete()
    SubtitleTrack.objects.filter(episode=episode).delete()


def version_round(episode, ladder, language: str, data: bytes) -> dict[str, float]:
    """One new version packaged by its job on the worker, then the same work bare in this process."""
    from jobs.models import Job, JobKind, JobStatus
    from localization.services import subtitle_ingest, subtitle_package

    version = subtitle_ingest(
        episode=episode, language=language, kind="full", filename=f"ep001.{language}.srt", data=data
    )
    if version.status != "live":
        raise RuntimeError(f"bench subtitles refused: {version.findings}")
    job = _wait(
        lambda: Job.objects.filter(
            kind=JobKind.SUBTITLES, params__version_id=version.pk, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]
        ).first(),
        "the packaging job",
        # the job's times are its row's: polling slower only lightens the load on the worker's 2 cores
        interval=0.25,
    )
    if job.status != JobStatus.SUCCEEDED or "rendition_id" not in job.result:
        raise RuntimeError(f"bench packaging job did not publish: {job.error_code} {job.error} {job.result}")

    # the worker's end of task (acknowledgement, connection checks) out of the way of the bare run
    time.sleep(0.2)
    started = time.perf_counter()
    rendition = subtitle_package(job=job, version=version, ladder=ladder)
    bare = time.perf_counter() - started
    if rendition is None:
        raise RuntimeError("bench: the bare packaging published nothing")
    return {
        "job": (job.finished_at - job.started_at).total_seconds(),
        "enqueued": (job.finished_at - job.created_at).total_seconds(),
        "packaging": job.result["packaging_seconds"],
        "bare": bare,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="bench subtitle_packaging")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--reseed", action="store_true", help="transcode a new ladder rather than reuse the kept one")
    args, _ = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    bench_dir = Path(os.environ.get("MIGU_VAR_DIR", BASE_DIR / "var")) / "bench" / "subtitle_packaging"
    bench_dir.mkdir(parents=True, exist_ok=True)
    media_root = bench_dir / "storage"
    _setup_django(media_root)

    from media import ffmpeg

    # The master's encoding does not matter here (packaging reads the ladder's timing, not the video):
    # the cheapest source to generate and transcode.
    source = source_make(bench_dir / f"source_1080x1920_{args.seconds}s_ultrafast.mp4", args.seconds, "ultrafast")
    log = bench_dir / "worker.log"
    episode, ladder = episode_with_ladder(source, args.seconds, media_root, log, args.reseed)
    subtitles_delete(episode)
    rng = random.Random(11)
    rounds: list[dict[str, float]] = []
    versions: list[dict[str, float]] = []
    try:
        # The packaging jobs' queue as production routes them, on a worker of its own.
        with Worker(media_root, log, queues="default"):
            for round_no in range(args.rounds + 1):
                runs = [
                    version_round(episode, ladder, language, srt_make(language, args.seconds, rng))
                    for language in LANGUAGES
                ]
                means = {key: statistics.fmean(run[key] for run in runs) for key in runs[0]}
                label = "warm-up" if round_no == 0 else f"round {round_no}"
                print(
                    f"{label}: job {means['job'] * 1000:.1f} ms (enqueue → finished {means['enqueued'] * 1000:.1f} ms, "
                    f"its packaging_seconds {means['packaging'] * 1000:.1f} ms), bare {means['bare'] * 1000:.1f} ms: "
                    f"{means['job'] / means['bare']:.3f}× (mean per version over {len(runs)} languages)",
                    flush=True,
                )
                if round_no:
                    rounds.append(means)
                    versions.extend(runs)
    finally:
        subtitles_delete(episode)

    median = {key: statistics.median(r[key] for r in rounds) for key in ("job", "enqueued", "packaging", "bare")}
    figures = {
        "rounds": args.rounds,
        "episode": f"{args.seconds} s 1080x1920, {len(LANGUAGES)} languages ({', '.join(LANGUAGES)}), "
        f"{CUES_PER_EPISODE} cues each, {ladder.renditions.count()} rungs of {ffmpeg.SEGMENT_SECONDS} s segments",
        "job_wall_median_ms": round(median["job"] * 1000, 1),
        "enqueue_to_finished_median_ms": round(median["enqueued"] * 1000, 1),
        "job_packaging_seconds_median_ms": round(median["packaging"] * 1000, 1),
        "bare_median_ms": round(median["bare"] * 1000, 1),
        # each version's job against the bare work measured right after it (the machine's load moves both
        # by tens of ms from round to round; pairs measured together are what compares); then per round
        "ratio": round(statistics.median(v["job"] / v["bare"] for v in versions), 3),
        "ratio_median_of_rounds": round(statistics.median(r["job"] / r["bare"] for r in rounds), 3),
        "ratio_of_medians": round(median["job"] / median["bare"], 3),
        "job_minus_bare_median_ms": round(statistics.median(v["job"] - v["bare"] for v in versions) * 1000, 1),
        # the job's bookkeeping alone: its wall time less the work as timed in the worker
        "bookkeeping_median_ms": round(statistics.median(v["job"] - v["packaging"] for v in versions) * 1000, 1),
        "goal": GOAL_RATIO,
    }
    print("subtitle packaging:")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return figures


if __name__ == "__main__":
    main()
