"""The ingest management commands."""

from __future__ import annotations

import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Episode
from catalog.tests.factories import drama_with_episodes
from jobs.models import Job, JobStatus
from media.management.commands.ingest_masters import episode_number_from
from media.models import Master
from media.tests.factories import episode_make


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("ep001.mp4", 1),
        ("EP_12.mov", 12),
        ("episode-3.mkv", 3),
        ("E07.mp4", 7),
        ("042.mp4", 42),
        ("ep000.mp4", None),
        ("trailer.mp4", None),
        ("ep1x.mp4", None),
    ],
)
def test_file_names_map_to_episode_numbers(name, number, tmp_path):
    assert episode_number_from(tmp_path / name) == number


@pytest.mark.django_db
def test_ingest_masters_maps_a_folder_to_episodes_and_reports_the_rest(tmp_path, media_sources):
    # given a drama with 3 episodes and a folder of masters, one unknown episode and a stray file
    drama = drama_with_episodes(3)
    for name in ("ep001.mp4", "ep003.mp4", "ep009.mp4"):
        shutil.copy(media_sources["vertical"], tmp_path / name)
    (tmp_path / "notes.txt").write_text("hello")
    out, err = StringIO(), StringIO()

    # when the folder is ingested
    call_command("ingest_masters", str(drama.pk), str(tmp_path), stdout=out, stderr=err)

    # then episodes 1 and 3 each have a master and a transcode job; the others are reported
    masters = Master.objects.filter(episode__drama=drama)
    assert sorted(m.episode.number for m in masters) == [1, 3]
    assert all(m.original_filename.startswith("ep00") for m in masters)
    assert Job.objects.filter(kind="transcode", status=JobStatus.PENDING).count() == 2
    assert "ep009.mp4: the drama has no episode 9" in err.getvalue()
    assert "notes.txt" in err.getvalue()
    assert "ingested 2 master(s)" in out.getvalue()


@pytest.mark.django_db
def test_ingest_masters_refuses_two_files_for_one_episode(tmp_path, media_sources):
    drama = drama_with_episodes(2)
    shutil.copy(media_sources["vertical"], tmp_path / "ep001.mp4")
    shutil.copy(media_sources["vertical"], tmp_path / "E1.mov")
    with pytest.raises(CommandError, match="both map to episode 1"):
        call_command("ingest_masters", str(drama.pk), str(tmp_path))
    assert not Master.objects.exists()


@pytest.mark.django_db
def test_ingest_master_refuses_an_unknown_episode(media_sources):
    with pytest.raises(CommandError, match="No episode"):
        call_command("ingest_master", "--episode", "999999", str(media_sources["vertical"]))


@pytest.mark.worker
@pytest.mark.slow
def test_ingest_master_waits_for_the_worker_and_reports_failure_reasons(transcode_worker, media_sources):
    # given a worker and an episode
    transcode_worker()
    episode = episode_make()
    out = StringIO()

    # when a good master is ingested with --wait, then the command reports the ladder
    call_command("ingest_master", "--episode", str(episode.pk), str(media_sources["vertical"]), "--wait", stdout=out)
    assert "ladder ready" in out.getvalue()

    # and a truncated one ends in an error naming the reason
    with pytest.raises(CommandError, match=r"\[corrupt\]"):
        call_command("ingest_master", "--episode", str(episode.pk), str(media_sources["truncated"]), "--wait")
    assert Episode.objects.get(pk=episode.pk).ladders.filter(status="ready").count() == 1
