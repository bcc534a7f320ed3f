"""Media storage full or read-only: the transcode ends FAILED with a named code and the live ladder stays.

A small tmpfs is mounted as the media storage (or the transcode work directory), a ladder is published
on it, then the volume is filled up or remounted read-only and a new master of the episode is
transcoded. Skipped only where mounting is refused (not root, no CAP_SYS_ADMIN).
"""

from __future__ import annotations

import errno
import hashlib
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import storages

from jobs.models import JobStatus
from media.models import Ladder, LadderStatus
from media.services import playback_session_create
from media.storage import storage_walk
from media.tests.factories import episode_make, licensed_to, master_upload
from media.tests.test_delivery import build_ladder, ffmpeg_play
from media.tests.test_services import run_job
from partners.tests.factories import OrganizationFactory

pytestmark = pytest.mark.slow


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=10, check=False)


@pytest.fixture
def tmpfs() -> Iterator[Path]:
    """A 24 MiB tmpfs of the test's own, unmounted whatever happens."""
    point = Path(tempfile.mkdtemp(prefix="migu-tmpfs-"))
    try:
        mounted = _mount("-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(point))
    except FileNotFoundError:
        point.rmdir()
        pytest.skip("no mount command")
    if mounted.returncode != 0:
        point.rmdir()
        pytest.skip(f"mounting a tmpfs was refused: {mounted.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], timeout=10, check=False)
        point.rmdir()


def volume_fill(point: Path) -> None:
    """Write until the volume refuses with ENOSPC."""
    with (point / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * (1 << 20))
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc


def ladder_files(ladder: Ladder) -> dict[str, str]:
    storage = storages["default"]
    files = {}
    for name in storage_walk(storage, ladder.storage_prefix):
        with storage.open(name, "rb") as handle:
            files[name] = hashlib.sha256(handle.read()).hexdigest()
    return files


@pytest.mark.parametrize(
    ("volume", "fault", "code"),
    [
        ("storage", "full", "storage_full"),
        ("storage", "read_only", "storage_read_only"),
        ("work_dir", "full", "storage_full"),
    ],
)
def test_a_full_or_read_only_volume_fails_the_transcode_by_name_and_the_live_ladder_keeps_playing(
    live_server, transactional_db, settings, media_sources, tmpfs, volume, fault, code
):
    # given the media storage (or the work directory) on a small volume, and a live ladder on it
    if volume == "storage":
        settings.MEDIA_ROOT = str(tmpfs)
    else:
        settings.MEDIA_WORK_DIR = str(tmpfs)
    partner = OrganizationFactory(kind="partner", slug="player")
    episode = episode_make()
    licensed_to(partner, episode)
    live = build_ladder(episode, media_sources["vertical"])
    files = ladder_files(live)
    assert files
    _master, job = master_upload(episode, media_sources["silent"])  # a new master: a new ladder

    # when the volume is full, or remounted read-only, and the new master is transcoded
    if fault == "full":
        volume_fill(tmpfs)
    else:
        remounted = _mount("-o", "remount,ro", str(tmpfs))
        assert remounted.returncode == 0, remounted.stderr
    job = run_job(job)

    # then the job ends FAILED with the named code, nothing of the failed build is left
    assert job.status == JobStatus.FAILED and job.error_code == code, (job.error_code, job.error)
    assert job.attempts == 1
    failed = Ladder.objects.exclude(pk=live.pk).get(episode=episode)
    assert failed.status == LadderStatus.FAILED
    assert all(name.startswith(live.storage_prefix + "/") for name in storage_walk(storages["default"], "hls"))

    # and the previous ladder is still the live one, its files intact, and it still plays to the end
    live_now = Ladder.objects.get(episode=episode, status=LadderStatus.READY)
    assert (live_now.pk, live_now.storage_prefix) == (live.pk, live.storage_prefix)
    assert ladder_files(live_now) == files
    session = playback_session_create(organization=partner, episode=episode, territory="TH")
    exit_code, errors, frames = ffmpeg_play(live_server.url + session.url, 0)
    assert exit_code == 0 and errors.strip() == "", errors
    assert frames >= 59
