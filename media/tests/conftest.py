from __future__ import annotations

from pathlib import Path

import pytest

from media.tests.sources import bad_inputs, video_make


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
    }
    sources.update(bad_inputs(folder / "bad", vertical))
    return sources


@pytest.fixture
def worker_env(settings) -> dict[str, str]:
    """What a worker process needs to see this test's storage."""
    return {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}
