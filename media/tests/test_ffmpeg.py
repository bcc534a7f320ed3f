"""The ffmpeg wrapper on its own: probing, progress from `-progress`, the single-process command."""

from __future__ import annotations

import pytest

from media import ffmpeg


def test_probe_reads_a_vertical_master(media_sources):
    probe = ffmpeg.probe(media_sources["vertical"])
    assert (probe.width, probe.height, round(probe.fps)) == (360, 640, 30)
    assert probe.has_audio and not probe.is_landscape and 1.9 < probe.duration < 2.2


def test_a_truncated_master_passes_ffprobe_so_the_ladder_pass_decodes_with_xerror(media_sources, tmp_path):
    # given a faststart MP4 cut short: ffprobe alone still reports it as fine
    probe = ffmpeg.probe(media_sources["truncated"])
    assert probe.duration > 1.9

    # when the ladder command (with -xerror) runs on it, then ffmpeg fails
    plan = ffmpeg.ladder_plan(source=media_sources["truncated"], out_dir=tmp_path, probe=probe, profile="vertical")
    assert "-xerror" in ffmpeg.ladder_command(plan)
    with pytest.raises(ffmpeg.FFmpegError) as caught:
        ffmpeg.run_with_progress(ffmpeg.ladder_command(plan), duration=probe.duration)
    assert caught.value.returncode > 0


def test_progress_is_reported_from_ffmpeg_progress_output(media_sources, tmp_path):
    # given the ladder command of a 2 s master
    probe = ffmpeg.probe(media_sources["vertical"])
    plan = ffmpeg.ladder_plan(source=media_sources["vertical"], out_dir=tmp_path, probe=probe, profile="vertical")
    seen: list[float] = []

    # when it runs with progress reported as often as ffmpeg writes it
    ffmpeg.run_with_progress(ffmpeg.ladder_command(plan), duration=probe.duration, on_progress=seen.append, interval=0)

    # then percentages rise and stay below 100 (100 is the job's, once published)
    assert seen and seen == sorted(seen) and 0 < seen[-1] < 100


def test_one_process_splits_the_decoded_video_into_every_rung(tmp_path):
    # given the plan of a 1080×1920 source
    probe = ffmpeg.Probe("mov,mp4,m4a,3gp,3g2,mj2", 60.0, 1080, 1920, 30.0, True, "h264", raw={})
    plan = ffmpeg.ladder_plan(source=tmp_path / "s.mp4", out_dir=tmp_path, probe=probe, profile="vertical")

    # when its command is built
    command = ffmpeg.ladder_command(plan)
    graph = command[command.index("-filter_complex") + 1]

    # then one input is split to four rungs (plus poster and sprite) and mapped as four HLS variants
    assert command.count("-i") == 1 and "split=6" in graph
    assert command[command.index("-var_stream_map") + 1] == "v:0,a:0 v:1,a:1 v:2,a:2 v:3,a:3"
    assert command[command.index("-g") + 1] == "60" and command[command.index("-sc_threshold") + 1] == "0"
    assert "-protocol_whitelist" in command and command[command.index("-protocol_whitelist") + 1] == "file"


@pytest.mark.parametrize(("visibility", "warned"), [(4 * 3600, False), (600, True)])
def test_a_visibility_timeout_shorter_than_a_transcode_is_flagged(settings, visibility, warned):
    from media.checks import transcode_visibility_timeout_check

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": visibility}
    assert bool(transcode_visibility_timeout_check(None)) is warned
