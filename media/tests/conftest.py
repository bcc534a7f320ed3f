from __future__ import annotations

from pathlib import Path

import pytest

from media import ffmpeg
from media.tests.sources import bad_inputs, video_make

# The pinned ffmpeg with libvmaf taken away: not listed by -filters, and refused if a command uses it
# anyway, so a quality job that ignored the capability would fail rather than quietly measure VMAF.
FFMPEG_WITHOUT_LIBVMAF = """#!/bin/sh
for arg in "$@"; do
  case "$arg" in *]libvmaf*|*libvmaf=*) echo "No such filter: 'libvmaf'" >&2; exit 1;; esac
done
case " $* " in *" -filters "*) "{pinned}" "$@" | grep -v ' libvmaf '; exit 0;; esac
exec "{pinned}" "$@"
"""


@pytest.fixture(scope="session")
def media_sources(tmp_path_factory) -> dict[str, Path]:
    """Generated once per test session: a 2 s 360×640 vertical master, a landscape one, bad inputs."""
    folder = tmp_path_factory.mktemp("masters")
    vertical = video_make(folder / "vertical.mp4")
    sources = {
        "vertical": vertical,
        "vertical_540": video_make(folder / "vertical_540.mp4", width=540, height=960),
        "landscape": video_make(folder / "landscape.mp4", width=640, height=360),
        "silent": video_make(folder / "silent.mp4", audio=False),
        # long enough to be caught mid-transcode by the worker tests
        "long": video_make(folder / "long.mp4", seconds=12),
    }
    sources.update(bad_inputs(folder / "bad", vertical))
    return sources


@pytest.fixture
def transcode_worker(celery_worker_process, settings):
    """start(**env) -> a real worker on the `transcode` queue, seeing this test's storage.

    The queue is emptied first so that messages left by an earlier run cannot interfere.
    """
    from migu_platform.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("transcode")

    def start(**extra_env: str):
        return celery_worker_process(
            queues="transcode", concurrency=1, MEDIA_ROOT=str(settings.MEDIA_ROOT), **extra_env
        )

    return start


@pytest.fixture
def ffmpeg_without_libvmaf(tmp_path) -> str:
    """An ffmpeg built without libvmaf: Debian's when installed, else the pinned build with libvmaf taken away."""
    system = "/usr/bin/ffmpeg"
    if Path(system).is_file() and not ffmpeg.binary_has_filter(system, "libvmaf"):
        return system
    wrapper = tmp_path / "ffmpeg-without-libvmaf"
    wrapper.write_text(FFMPEG_WITHOUT_LIBVMAF.format(pinned=ffmpeg.ffmpeg_binary()))
    wrapper.chmod(0o755)
    return str(wrapper)
