"""Subtitles in HLS without the database: segments aligned with the video, X-TIMESTAMP-MAP from a real
first timestamp, and the subtitle renditions of a master playlist."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from types import SimpleNamespace

import pytest

from localization.selectors import subtitle_media_of
from localization.subtitles.cues import Cue
from localization.subtitles.hls import (
    SubtitleMedia,
    cues_by_segment,
    master_playlist_subtitles_add,
    mpegts_ticks,
    segment_bounds_ms,
    segment_durations,
    subtitle_playlist_write,
    webvtt_segment_write,
)
from localization.subtitles.parse import subtitle_parse
from media import ffmpeg

VARIANT = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.000000,
seg_00000.m4s
#EXTINF:2.000000,
seg_00001.m4s
#EXTINF:2.000000,
seg_00002.m4s
#EXTINF:1.000000,
seg_00003.m4s
#EXT-X-ENDLIST
"""

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=540x960,CODECS="avc1.64001f,mp4a.40.2"
v0/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=360x640,CODECS="avc1.64001e,mp4a.40.2"
v1/index.m3u8
"""


def segmented(cues: list[Cue], durations: list[float]) -> list[list[int]]:
    return [[number for number, _cue in seg] for seg in cues_by_segment(cues, segment_bounds_ms(durations))]


def test_a_cue_spanning_a_segment_boundary_is_repeated_in_both_with_the_same_identifier_and_timing():
    # given 2 s segments and a cue from 1.5 s to 2.5 s between two that stay inside one segment
    cues = [Cue(100, 900, ["one"], 1), Cue(1500, 2500, ["across"], 2), Cue(2600, 3000, ["two"], 3)]

    # when the cues are cut into segments
    segments = cues_by_segment(cues, segment_bounds_ms([2.0, 2.0, 2.0]))
    first, second = (webvtt_segment_write(seg, mpegts=900_000) for seg in segments[:2])

    # then the spanning cue is in both segments, numbered as in the file and with its own times
    assert segmented(cues, [2.0, 2.0, 2.0]) == [[1, 2], [2, 3], []]
    assert "2\n00:00:01.500 --> 00:00:02.500\nacross\n" in first
    assert "2\n00:00:01.500 --> 00:00:02.500\nacross\n" in second
    assert "3\n00:00:02.600 --> 00:00:03.000\ntwo\n" in second


def test_a_cue_ending_exactly_on_a_boundary_stays_in_its_segment_only():
    cues = [Cue(0, 2000, ["ends on the boundary"], 1), Cue(2000, 2500, ["starts on it"], 2)]

    assert segmented(cues, [2.0, 2.0]) == [[1], [2]]


def test_cues_past_the_last_video_segment_go_into_it():
    # a cue may end up to a second after the episode (the ingest tolerance)
    cues = [Cue(6500, 7800, ["last words"], 1)]

    assert segmented(cues, [2.0, 2.0, 2.0, 1.0]) == [[], [], [], [1]]


def test_segment_bounds_follow_the_video_durations_without_drift():
    durations = segment_durations(VARIANT) + [1.001] * 3

    bounds = segment_bounds_ms(durations)

    assert bounds[:4] == [(0, 2000), (2000, 4000), (4000, 6000), (6000, 7000)]
    assert bounds[-1][0] == 9002 and bounds[-1][1] == float("inf")


def test_an_empty_segment_is_a_valid_webvtt_file_with_the_timestamp_map(tmp_path):
    # when a segment holds no cue
    text = webvtt_segment_write([], mpegts=2068)

    # then it is a WebVTT header with the timestamp map: our reader finds nothing wrong but the absence of
    # cues (refused for an upload, normal for a segment), and ffprobe reads it as a WebVTT stream
    assert text == "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:2068,LOCAL:00:00:00.000\n\n"
    document = subtitle_parse(text.encode(), language="en", filename="seg.vtt")
    assert document.cues == [] and [f.code for f in document.findings.items] == ["no_cues"]
    segment = tmp_path / "seg_00000.vtt"
    segment.write_text(text)
    probe = subprocess.run(
        [ffmpeg.ffprobe_binary(), "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", str(segment)],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    assert probe.returncode == 0 and probe.stdout.strip() == "webvtt", probe.stderr


def test_a_segment_reads_back_to_its_cues_with_positions():
    cues = [Cue(1000, 1900, ["<i>Top</i>"], 1, position=8), Cue(2100, 2900, ["ต่อ"], 2)]
    segment = cues_by_segment(cues, segment_bounds_ms([4.0]))[0]

    text = webvtt_segment_write(segment, mpegts=1)

    read = subtitle_parse(text.encode(), language="th", filename="seg.vtt").cues
    assert [(c.start_ms, c.end_ms, c.lines, c.position) for c in read] == [
        (1000, 1900, ["<i>Top</i>"], 8),
        (2100, 2900, ["ต่อ"], None),
    ]


def test_the_subtitle_playlist_has_the_video_s_segment_durations():
    playlist = subtitle_playlist_write(segment_durations(VARIANT), target_duration=2)

    assert "#EXT-X-TARGETDURATION:2\n" in playlist
    assert re.findall(r"#EXTINF:([\d.]+),\n(\S+)", playlist) == [
        ("2.000000", "seg_00000.vtt"),
        ("2.000000", "seg_00001.vtt"),
        ("2.000000", "seg_00002.vtt"),
        ("1.000000", "seg_00003.vtt"),
    ]
    assert playlist.endswith("#EXT-X-ENDLIST\n")


def test_mpegts_is_the_timestamp_in_90_khz_ticks_wrapped_to_33_bits():
    assert mpegts_ticks(353, Fraction(1, 15360)) == 2068  # 22.98 ms: x264 + AAC priming in our ladders
    assert mpegts_ticks(128000, Fraction(1, 12800)) == 900_000
    assert mpegts_ticks((1 << 33) + 5, Fraction(1, 90000)) == 5


def test_the_timestamp_map_comes_from_the_first_video_frame_of_a_real_fmp4_segment(tmp_path):
    # given an fMP4 HLS rendition whose timestamps start at 10 s, as ffmpeg's HLS muxer writes them
    subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=64x64:r=25:d=3",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-output_ts_offset", "10", "-f", "hls",
         "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
         "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", str(tmp_path / "seg_%05d.m4s"),
         str(tmp_path / "index.m3u8")],
        check=True, timeout=60,
    )  # fmt: skip
    first = tmp_path / "first.mp4"
    first.write_bytes((tmp_path / "init.mp4").read_bytes() + (tmp_path / "seg_00000.m4s").read_bytes())

    # when its first video timestamp is read and written into a segment
    pts, time_base = ffmpeg.first_video_timestamp(first)
    text = webvtt_segment_write([], mpegts=mpegts_ticks(pts, time_base))

    # then the map says local 0 is the 10 s timestamp of the first frame
    assert "X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000" in text


def test_a_file_without_video_has_no_first_timestamp(tmp_path):
    audio = tmp_path / "audio.mp4"
    subprocess.run(
        [ffmpeg.ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=d=1", str(audio)],
        check=True, timeout=60,
    )  # fmt: skip

    with pytest.raises(ffmpeg.ProbeError) as caught:
        ffmpeg.first_video_timestamp(audio)
    assert caught.value.code == "no_video"


# --- The master playlist ---------------------------------------------------------------------------


def rendition(language: str, kind: str = "full"):
    return SimpleNamespace(track=SimpleNamespace(language=language, kind=kind))


RENDITIONS = [
    rendition("ar"),
    rendition("en"),
    rendition("en", "forced"),
    rendition("en", "sdh"),
    rendition("th"),
    rendition("zh-Hant"),
    rendition("zh-Hant-HK"),
]


def media_lines(master: str) -> list[dict[str, str]]:
    return [
        dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line[len("#EXT-X-MEDIA:") :]))
        for line in master.splitlines()
        if line.startswith("#EXT-X-MEDIA:")
    ]


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [
        (["th"], ['"th"']),
        (["en", "ar"], ['"ar"', '"en"', '"en"', '"en"']),
        (["ko"], []),
        ([], []),
    ],
)
def test_the_master_lists_only_the_languages_allowed(allowed, expected):
    # when the renditions are listed for a viewer allowed `allowed`
    master = master_playlist_subtitles_add(MASTER, subtitle_media_of(RENDITIONS, allowed_languages=allowed))

    # then only those languages appear, and the variants name the group only when there is one
    assert [m["LANGUAGE"] for m in media_lines(master)] == expected
    assert master.count('SUBTITLES="subs"') == (2 if expected else 0)
    if not expected:
        assert master == MASTER


def test_names_are_unique_forced_only_on_forced_and_one_default_at_most():
    # given every rendition allowed, for a partner whose first language is English
    media = subtitle_media_of(
        RENDITIONS, allowed_languages=["ar", "en", "th", "zh-Hant", "zh-Hant-HK"], preferred_language="en"
    )

    # when they are added to the master playlist
    lines = media_lines(master_playlist_subtitles_add(MASTER, media))

    # then each NAME is unique, FORCED is on the forced narrative only, and one DEFAULT: English full
    names = [line["NAME"] for line in lines]
    assert len(set(names)) == len(names) == 7
    assert '"English (forced)"' in names and '"English (SDH)"' in names and '"Chinese (Traditional)"' in names
    assert [(line["LANGUAGE"], line.get("FORCED")) for line in lines if "FORCED" in line] == [('"en"', "YES")]
    assert [(line["LANGUAGE"], line["NAME"]) for line in lines if line["DEFAULT"] == "YES"] == [('"en"', '"English"')]
    assert all(line["AUTOSELECT"] == "YES" and line["GROUP-ID"] == '"subs"' for line in lines)
    assert lines[2]["URI"] == '"subs/en.forced/index.m3u8"'


def test_no_default_when_the_partner_s_language_has_no_full_subtitles():
    media = subtitle_media_of([rendition("en", "forced"), rendition("th")], allowed_languages=["en", "th"],
                              preferred_language="en")  # fmt: skip

    assert [m.default for m in media] == [False, False]


def test_two_languages_with_the_same_name_get_their_tags():
    # pycountry names both "Chinese" when the tags are not in our table
    media = subtitle_media_of([rendition("zh-SG"), rendition("zh-MY")], allowed_languages=["zh-SG", "zh-MY"])

    assert [m.name for m in media] == ["Chinese [zh-SG]", "Chinese [zh-MY]"]


def test_the_subtitle_media_come_before_the_variants_that_name_their_group():
    master = master_playlist_subtitles_add(MASTER, [SubtitleMedia(language="th", name="Thai", uri="subs/th/x.m3u8")])

    lines = master.splitlines()
    assert lines[2].startswith("#EXT-X-MEDIA:TYPE=SUBTITLES,")
    assert lines[3].endswith(',SUBTITLES="subs"') and lines[4] == "v0/index.m3u8"


def test_a_master_with_duplicate_names_or_two_defaults_is_refused():
    twice = [
        SubtitleMedia(language="en", name="English", uri="a"),
        SubtitleMedia(language="en", name="English", uri="b"),
    ]
    defaults = [SubtitleMedia(language=t, name=t, uri=t, default=True) for t in ("en", "th")]

    for media in (twice, defaults):
        with pytest.raises(ValueError):
            master_playlist_subtitles_add(MASTER, media)
