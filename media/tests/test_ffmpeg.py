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

    # then one input is split to four rungs and mapped as four HLS variants; a 9:16 source needs no padding
    assert command.count("-i") == 1 and "split=4" in graph
    assert "[s1]scale=720:1280[" in graph and graph.count("setsar=1") == 4 and "pad=" not in graph
    # video-only variants naming one audio rendition, encoded once (dubs join its group)
    assert (
        command[command.index("-var_stream_map") + 1]
        == "v:0,agroup:aud v:1,agroup:aud v:2,agroup:aud v:3,agroup:aud a:0,agroup:aud,default:yes"
    )
    assert command[command.index("-g") + 1] == "60" and command[command.index("-sc_threshold") + 1] == "0"
    assert "-protocol_whitelist" in command and command[command.index("-protocol_whitelist") + 1] == "file"


@pytest.mark.parametrize(("visibility", "warned"), [(4 * 3600, False), (600, True)])
def test_a_visibility_timeout_shorter_than_a_transcode_is_flagged(settings, visibility, warned):
    from media.checks import transcode_visibility_timeout_check

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": visibility}
    assert bool(transcode_visibility_timeout_check(None)) is warned


def test_a_source_of_another_aspect_is_letterboxed_into_each_rung(tmp_path):
    probe = ffmpeg.Probe("mov,mp4,m4a,3gp,3g2,mj2", 60.0, 1920, 1080, 30.0, True, "h264", raw={})
    plan = ffmpeg.ladder_plan(source=tmp_path / "s.mp4", out_dir=tmp_path, probe=probe, profile="vertical")

    graph = ffmpeg.ladder_command(plan)[ffmpeg.ladder_command(plan).index("-filter_complex") + 1]

    assert graph.count("force_original_aspect_ratio=decrease[") == graph.count("pad=") == len(plan.rungs)


def test_poster_and_sprite_come_from_the_encoded_rungs(media_sources, tmp_path):
    from PIL import Image

    # given a ladder encoded from a 2 s vertical master
    probe = ffmpeg.probe(media_sources["vertical"])
    plan = ffmpeg.ladder_plan(source=media_sources["vertical"], out_dir=tmp_path, probe=probe, profile="vertical")
    ffmpeg.run_with_progress(ffmpeg.ladder_command(plan), duration=probe.duration)

    # when the thumbnails command runs on it
    command = ffmpeg.thumbnails_command(plan)
    ffmpeg.run_with_progress(command, duration=probe.duration)

    # then it read only the outputs (never the master) and wrote the poster at the top rung's size and a sprite
    assert str(media_sources["vertical"]) not in " ".join(command)
    assert Image.open(tmp_path / "poster.jpg").size == (plan.rungs[0].width, plan.rungs[0].height)
    tw, th = plan.thumb_size
    assert Image.open(tmp_path / "sprite.jpg").size == (tw * plan.sprite_columns, th * plan.sprite_rows)


@pytest.mark.parametrize(
    ("duration", "interval", "count"), [(2.0, 2, 1), (60.0, 2, 30), (250.0, 4, 63), (600.0, 6, 100)]
)
def test_thumbnails_fall_on_keyframes_about_a_hundred_at_most(tmp_path, duration, interval, count):
    probe = ffmpeg.Probe("mov,mp4,m4a,3gp,3g2,mj2", duration, 1080, 1920, 30.0, True, "h264", raw={})
    plan = ffmpeg.ladder_plan(source=tmp_path / "s.mp4", out_dir=tmp_path, probe=probe, profile="vertical")

    assert (plan.thumb_interval, plan.thumb_count) == (interval, count)
    assert plan.thumb_interval % ffmpeg.SEGMENT_SECONDS == 0
    assert f"select=not(mod(n\\,{interval // 2}))" in " ".join(ffmpeg.thumbnails_command(plan))
    assert ffmpeg.thumbnails_vtt(plan).count(" --> ") == count
