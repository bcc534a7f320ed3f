"""Subtitle pipeline throughput: parse + quality control + WebVTT output of a series' subtitles, side by
side with the floor, a bare regex SRT→VTT conversion of the same files.

    python -m bench subtitles [--episodes 100] [--rounds 7]

The files are generated: `--episodes` episodes × 6 languages (zh-Hans, yue, en, ko, th, ar) of
about 60 cues each (a 2-minute vertical episode), UTF-8 SRT with CRLF line ends, numbers, italics and
some two-line cues. Each round runs both sides over every file, interleaved; the figures are medians
over the rounds. The pipeline is localization.subtitles as uploads use it: encoding detection,
parse, the per-cue checks, quality control (vertical profile) and the WebVTT writer.
Goal: the pipeline ≤ 3× the floor.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time

GOAL_RATIO = 3.0
LANGUAGES = ("zh-Hans", "yue", "en", "ko", "th", "ar")
CUES_PER_EPISODE = 60
EPISODE_MS = 600_000
SAMPLES = {
    "zh-Hans": ["你为什么还要回来？", "我终于找到你了。", "这家公司归我了。", "别碰她！"],
    "yue": ["你做咩返嚟？", "我終於搵到你。", "呢間公司係我嘅。", "唔好掂佢！"],
    "en": ["Why did you come back?", "Three years. I found you.", "This company is mine now.", "Don't touch her!"],
    "ko": ["왜 돌아온 거야?", "드디어 찾았어.", "이 회사는 내 거야.", "그녀에게 손대지 마!"],
    "th": ["ทำไมคุณถึงกลับมา", "สามปีแล้ว ในที่สุดฉันก็เจอคุณ", "ตั้งแต่วันนี้ บริษัทนี้เป็นของฉัน", "อย่าแตะต้องเธอ!"],
    "ar": ["لماذا عدت؟", "ثلاث سنوات، وأخيرا وجدتك.", "من اليوم، هذه الشركة لي.", "لا تلمسها!"],
}

_FLOOR_TIME_RE = re.compile(r"(\d\d:\d\d:\d\d),(\d\d\d)")


def _srt_time(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"


def srt_make(language: str, rng: random.Random) -> bytes:
    """An episode's SRT in `language`: CUES_PER_EPISODE cues, with gaps between them."""
    samples = SAMPLES[language]
    blocks = []
    start = 500
    for number in range(1, CUES_PER_EPISODE + 1):
        lines = [rng.choice(samples)]
        if number % 3 == 0:
            lines.append(rng.choice(samples))
        # timed as subtitlers do: long enough to read at about 7 characters per second
        length = min(6500, max(1200, 1000 * sum(len(line) for line in lines) // 7) + rng.randint(0, 400))
        if number % 7 == 0:
            lines[0] = f"<i>{lines[0]}</i>"
        blocks.append(
            f"{number}\r\n{_srt_time(start)} --> {_srt_time(start + length)}\r\n" + "\r\n".join(lines) + "\r\n"
        )
        start += length + rng.randint(200, 400)
    return "\r\n".join(blocks).encode("utf-8")


def floor_convert(data: bytes) -> str:
    """The floor: decode, normalise line ends, turn the millisecond commas into dots, add the header."""
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    return "WEBVTT\n\n" + _FLOOR_TIME_RE.sub(r"\1.\2", text)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="bench subtitles")
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    args, _ = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    from localization.subtitles.parse import subtitle_parse
    from localization.subtitles.qc import VERTICAL_PROFILE, subtitle_quality_check
    from localization.subtitles.writers import webvtt_write

    rng = random.Random(11)
    files = [(language, srt_make(language, rng)) for _ in range(args.episodes) for language in LANGUAGES]
    megabytes = sum(len(data) for _, data in files) / 1e6

    def pipeline() -> int:
        cues = 0
        for language, data in files:
            document = subtitle_parse(data, language=language, filename="ep.srt", duration_ms=EPISODE_MS)
            findings = subtitle_quality_check(document.cues, language=language, profile=VERTICAL_PROFILE)
            if not document.valid or findings.has_errors:
                raise SystemExit(
                    f"a generated {language} file failed: {(document.findings.items + findings.items)[:3]}"
                )
            webvtt_write(document.cues, language=language)
            cues += len(document.cues)
        return cues

    def floor() -> int:
        for _, data in files:
            floor_convert(data)
        return len(files) * CUES_PER_EPISODE

    timings: dict[str, list[float]] = {"floor": [], "pipeline": []}
    cue_count = pipeline()  # warm-up (imports, compiled patterns)
    floor()
    for _ in range(args.rounds):
        for name, run in (("floor", floor), ("pipeline", pipeline)):
            started = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in timings.items()}
    ratio = median["pipeline"] / median["floor"]
    results = {
        "files": len(files),
        "cues": cue_count,
        "megabytes": round(megabytes, 2),
        "rounds": args.rounds,
        "floor_ms": round(median["floor"] * 1000, 1),
        "pipeline_ms": round(median["pipeline"] * 1000, 1),
        "floor_cues_per_s": round(cue_count / median["floor"]),
        "pipeline_cues_per_s": round(cue_count / median["pipeline"]),
        "pipeline_ms_per_file": round(median["pipeline"] * 1000 / len(files), 3),
        "ratio": round(ratio, 2),
        "goal_ratio": GOAL_RATIO,
    }
    print(
        f"{len(files)} files ({args.episodes} episodes × {len(LANGUAGES)} languages), {cue_count} cues, "
        f"{megabytes:.2f} MB; medians of {args.rounds} rounds\n"
        f"  floor (regex SRT→VTT)          {results['floor_ms']:>9} ms  {results['floor_cues_per_s']:>10} cues/s\n"
        f"  parse + QC + WebVTT            {results['pipeline_ms']:>9} ms  {results['pipeline_cues_per_s']:>10} cues/s"
        f"  ({results['pipeline_ms_per_file']} ms per file)\n"
        f"  ratio {ratio:.2f}× (goal ≤ {GOAL_RATIO}×): {'met' if ratio <= GOAL_RATIO else 'NOT met'}",
        flush=True,
    )
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
