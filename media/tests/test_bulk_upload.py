"""Masters in bulk on a drama: names matched to episodes, each file streamed to storage on its own, refusals
per file, an interrupted upload leaving nothing, the status and re-run endpoints, and who may use them."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.test import Client

from catalog.tests.factories import DramaFactory, EpisodeFactory, drama_with_episodes
from jobs.models import Job, JobKind, JobStatus
from jobs.services import job_fail
from media.errors import MasterUploadRefusedError, MediaErrorCode
from media.models import Master
from media.selectors import masters_match
from media.services import master_upload
from media.tests.factories import master_upload as master_ingest_file
from tests.admin_helpers import staff_user

pytestmark = pytest.mark.django_db


def bulk_url(drama, what: str = "") -> str:
    return f"/admin/media/master/bulk/{drama.pk}/{what}"


def upload(client, drama, path: Path, *, name: str | None = None, **extra):
    data = path.read_bytes()
    query = f"?name={name or path.name}&size={len(data)}"
    return client.generic("POST", bulk_url(drama, "upload/") + query, data, "application/octet-stream", **extra)


def stored_masters() -> list[str]:
    root = Path(storages["default"].location) / "masters"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


class CutOffBody(io.RawIOBase):
    """A request body whose client goes away after `sent` bytes: the read fails (or, with `eof`, just ends)."""

    def __init__(self, data: bytes, sent: int, *, eof: bool = False):
        self.data, self.sent, self.eof, self.position = data, sent, eof, 0

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.sent:
            if self.eof:
                return b""
            raise ConnectionResetError(104, "Connection reset by peer")
        size = self.sent - self.position if size is None or size < 0 else min(size, self.sent - self.position)
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk

    def readable(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["ep001.mp4", "EP_2.mov", "episode-3.mkv"], [(1, ""), (2, ""), (3, "")]),
        (["ep009.mp4"], [(9, MediaErrorCode.NO_SUCH_EPISODE)]),
        (["notes.txt", "trailer.mp4", "ep000.mp4"], [(None, MediaErrorCode.NAME_NOT_UNDERSTOOD)] * 3),
        # the first in sorted order is taken, whatever order the browser lists them in
        (["ep1.mov", "ep001.mp4"], [(1, MediaErrorCode.DUPLICATE_IN_BATCH), (1, "")]),
    ],
)
def test_file_names_are_matched_to_the_dramas_episodes_with_the_ingest_rules(names, expected):
    # given a drama with episodes 1-3
    drama = drama_with_episodes(3)

    # when a batch of names is matched
    matches = masters_match(drama=drama, names=names)

    # then each name has its episode number and, when refused, its code and a sentence naming the file
    assert [(m.number, m.code) for m in matches] == expected
    for match in matches:
        assert match.accepted == (match.code == "")
        assert (match.name in match.detail) if match.code else match.episode.number == match.number


def test_a_file_uploaded_in_bulk_is_streamed_to_storage_and_its_transcode_queued(admin_client, media_sources):
    # given a drama with two episodes
    drama = drama_with_episodes(2)
    source = media_sources["vertical"]

    # when ep002.mp4 is sent as the raw body of an upload
    response = upload(admin_client, drama, source, name="ep002.mp4")

    # then it is the master of episode 2, stored whole under a generated key, with a pending transcode job
    assert response.status_code == 201, response.content
    master = Master.objects.get(pk=response.json()["master_id"])
    assert master.episode.number == 2 and master.original_filename == "ep002.mp4"
    assert master.size_bytes == source.stat().st_size and master.file.name.startswith(f"masters/e{master.episode_id}/")
    assert master.file.read() == source.read_bytes()
    job = Job.objects.get(pk=response.json()["job_id"])
    assert (job.kind, job.status, job.params["master_id"]) == (JobKind.TRANSCODE, JobStatus.PENDING, master.pk)


def test_the_upload_reads_the_body_in_chunks_never_whole(admin_client, media_sources, settings, monkeypatch):
    # given a master of several chunks and a request stream that records the size of each read
    from django.core.handlers.wsgi import LimitedStream

    monkeypatch.setattr("media.services.UPLOAD_CHUNK_BYTES", 16 * 1024)
    reads: list[int] = []
    original = LimitedStream.read

    def read(self, size=-1):
        reads.append(size)
        return original(self, size)

    monkeypatch.setattr(LimitedStream, "read", read)
    drama = drama_with_episodes(1)

    # when it is uploaded
    response = upload(admin_client, drama, media_sources["vertical"], name="ep001.mp4")

    # then every read asked for at most one chunk (and one past the end, to see the body ends there)
    assert response.status_code == 201
    assert len(reads) > 3 and all(0 < size <= 16 * 1024 for size in reads)


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("trailer.mp4", 400, MediaErrorCode.NAME_NOT_UNDERSTOOD),
        ("ep001.txt", 400, MediaErrorCode.NAME_NOT_UNDERSTOOD),
        ("ep009.mp4", 400, MediaErrorCode.NO_SUCH_EPISODE),
        ("ep002.mp4", 409, MediaErrorCode.ALREADY_TRANSCODING),
    ],
)
def test_a_refused_file_keeps_nothing_and_says_why(admin_client, media_sources, name, status, code):
    # given a drama whose episode 2 is transcoding
    drama = drama_with_episodes(2)
    episode_2 = drama.episodes.get(number=2)
    master_ingest_file(episode_2, media_sources["vertical"])
    before = stored_masters()

    # when a file is uploaded under a name that cannot be taken
    response = upload(admin_client, drama, media_sources["vertical"], name=name)

    # then it is refused with its code and a sentence naming the file; no master and no file are added
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and name in body["detail"]
    assert Master.objects.count() == 1 and stored_masters() == before


@pytest.mark.parametrize("eof", [False, True], ids=["connection-reset", "body-ends-early"])
def test_an_upload_cut_off_half_way_leaves_no_master_and_no_file(admin_client, media_sources, settings, tmp_path, eof):
    # given a drama and a client whose connection drops after half of the file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    drama = drama_with_episodes(1)
    data = media_sources["vertical"].read_bytes()
    body = CutOffBody(data, len(data) // 2, eof=eof)

    # when the upload announces the whole size but sends half
    response = admin_client.generic(
        "POST", bulk_url(drama, "upload/") + f"?name=ep001.mp4&size={len(data)}", b"x", "application/octet-stream",
        CONTENT_LENGTH=str(len(data)), **{"wsgi.input": body},
    )  # fmt: skip

    # then it is refused as incomplete, with nothing kept: no master, no stored file, no spooled file, no job
    assert response.status_code == 400
    assert response.json()["code"] == MediaErrorCode.UPLOAD_INCOMPLETE
    assert f"{len(data) // 2:,} of {len(data):,} bytes" in response.json()["detail"]
    assert not Master.objects.exists() and not Job.objects.exists()
    assert stored_masters() == [] and os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []


def test_a_body_longer_than_announced_is_refused_by_the_service(media_sources):
    # given a stream longer than the size the client announced
    drama = drama_with_episodes(1)
    data = media_sources["vertical"].read_bytes()

    # when the service reads it, then it refuses it and keeps nothing
    with pytest.raises(MasterUploadRefusedError) as refused:
        master_upload(drama=drama, name="ep001.mp4", stream=io.BytesIO(data), size=len(data) - 10)
    assert refused.value.code == MediaErrorCode.UPLOAD_INCOMPLETE
    assert not Master.objects.exists() and stored_masters() == []


@pytest.mark.parametrize(
    ("query", "length"),
    [("?size=10", 10), ("?name=ep001.mp4", 10), ("?name=ep001.mp4&size=20", 10), ("?name=a/ep001.mp4&size=10", 10)],
)
def test_an_upload_without_a_name_or_with_a_wrong_size_is_refused(admin_client, query, length):
    drama = drama_with_episodes(1)
    response = admin_client.generic(
        "POST", bulk_url(drama, "upload/") + query, b"0" * length, "application/octet-stream"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Master.objects.exists()


def test_the_match_endpoint_reports_every_file_before_anything_is_uploaded(admin_client):
    drama = drama_with_episodes(2)
    response = admin_client.post(
        bulk_url(drama, "match/"), {"names": ["ep001.mp4", "ep1.mov", "ep007.mp4"]}, content_type="application/json"
    )
    assert response.status_code == 200
    files = {f["name"]: (f["number"], f["code"]) for f in response.json()["files"]}
    assert files == {"ep001.mp4": (1, ""), "ep1.mov": (1, "duplicate_in_batch"), "ep007.mp4": (7, "no_such_episode")}
    bad = admin_client.post(bulk_url(drama, "match/"), {"names": "ep001.mp4"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_the_status_endpoint_shows_progress_and_failures_and_leaves_out_other_dramas(admin_client, media_sources):
    # given two masters of a drama (one at 40 %, one failed) and a master of another drama
    drama = drama_with_episodes(2)
    running_master, running = master_ingest_file(drama.episodes.get(number=1), media_sources["vertical"])
    failed_master, failed = master_ingest_file(drama.episodes.get(number=2), media_sources["vertical"])
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, progress=40)
    job_fail(job=failed, code="corrupt", error="The master does not decode to the end")
    foreign_master, _ = master_ingest_file(EpisodeFactory(drama=DramaFactory()), media_sources["vertical"])

    # when the page polls for the three
    ids = f"{running_master.pk},{failed_master.pk},{foreign_master.pk}"
    rows = admin_client.get(bulk_url(drama, "status/") + f"?ids={ids}").json()["masters"]

    # then it sees its two with their progress and failure reason, and nothing of the other drama's master
    by_id = {row["master_id"]: row for row in rows}
    assert set(by_id) == {running_master.pk, failed_master.pk}
    assert (by_id[running_master.pk]["status"], by_id[running_master.pk]["progress"]) == ("running", 40)
    assert by_id[failed_master.pk]["error_code"] == "corrupt" and "decode" in by_id[failed_master.pk]["error"]


def test_status_polling_takes_one_query_for_any_number_of_masters(
    admin_client, media_sources, django_assert_num_queries
):
    drama = drama_with_episodes(5)
    ids = [master_ingest_file(e, media_sources["vertical"])[0].pk for e in drama.episodes.all()]
    admin_client.get(bulk_url(drama, "status/") + "?ids=" + ",".join(map(str, ids[:1])))  # session and user cached
    # session, user, drama, then the masters with their jobs in one query (content type cached)
    with django_assert_num_queries(4):
        rows = admin_client.get(bulk_url(drama, "status/") + "?ids=" + ",".join(map(str, ids))).json()["masters"]
    assert len(rows) == 5


def test_rerun_queues_a_new_transcode_of_a_failed_master_and_refuses_while_one_runs(admin_client, media_sources):
    # given a master whose transcode failed
    drama = drama_with_episodes(1)
    master, job = master_ingest_file(drama.episodes.get(), media_sources["vertical"])
    job_fail(job=job, code="transcode_failed", error="ffmpeg failed (1)")

    # when it is re-run, then a new pending transcode job is queued
    response = admin_client.post(bulk_url(drama, f"rerun/{master.pk}/"))
    assert response.status_code == 201
    rerun = Job.objects.get(pk=response.json()["job_id"])
    assert rerun.pk != job.pk and rerun.status == JobStatus.PENDING and rerun.params["master_id"] == master.pk

    # and a second re-run while that one is pending is refused
    again = admin_client.post(bulk_url(drama, f"rerun/{master.pk}/"))
    assert again.status_code == 409 and again.json()["code"] == MediaErrorCode.ALREADY_TRANSCODING


def test_another_dramas_master_or_a_missing_drama_answers_404(admin_client, media_sources):
    drama = drama_with_episodes(1)
    other_master, _ = master_ingest_file(EpisodeFactory(drama=DramaFactory()), media_sources["vertical"])
    assert admin_client.post(bulk_url(drama, f"rerun/{other_master.pk}/")).status_code == 404
    assert admin_client.post(bulk_url(drama, "rerun/999999/")).status_code == 404
    missing = DramaFactory()
    missing_pk = missing.pk
    missing.delete()
    assert admin_client.get(f"/admin/media/master/bulk/{missing_pk}/").status_code == 404
    response = admin_client.generic(
        "POST",
        f"/admin/media/master/bulk/{missing_pk}/upload/?name=ep001.mp4&size=3",
        b"abc",
        "application/octet-stream",
    )
    assert response.status_code == 404
    assert Job.objects.filter(params__master_id=other_master.pk).count() == 1


@pytest.mark.parametrize(("role", "allowed"), [("content", True), ("rights", False), ("localization", False)])
def test_only_those_who_may_add_masters_may_upload_them(client, media_sources, role, allowed):
    # given a staff user of a role
    client.force_login(staff_user(role))
    drama = drama_with_episodes(1)

    # when they open the page and upload a file
    page = client.get(bulk_url(drama))
    response = upload(client, drama, media_sources["vertical"], name="ep001.mp4")

    # then only the content role gets the page and stores the master
    assert page.status_code == (200 if allowed else 403)
    assert response.status_code == (201 if allowed else 403)
    assert Master.objects.exists() == allowed


def test_the_upload_keeps_csrf_protection(media_sources):
    # given a content manager's browser session without the CSRF token
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user("content"))
    drama = drama_with_episodes(1)

    # when a page elsewhere posts a file, then it is refused
    assert upload(client, drama, media_sources["vertical"], name="ep001.mp4").status_code == 403
    assert not Master.objects.exists()

    # and with the token the page carries, it is taken
    page = client.get(bulk_url(drama))
    token = page.cookies["csrftoken"].value
    assert upload(client, drama, media_sources["vertical"], name="ep001.mp4", HTTP_X_CSRFTOKEN=token).status_code == 201


def test_anonymous_users_are_sent_to_the_login_page(client, media_sources):
    drama = drama_with_episodes(1)
    response = upload(client, drama, media_sources["vertical"], name="ep001.mp4")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Master.objects.exists()


def test_an_upload_that_finds_its_episode_transcoding_once_stored_deletes_its_copy(media_sources):
    # given an episode whose transcode was queued while another upload for it was being copied
    from media.services import master_ingest

    episode = drama_with_episodes(1).episodes.get()
    first, _job = master_ingest_file(episode, media_sources["vertical"])

    # when the second one reaches the episode's lock, then it is refused and its stored copy deleted
    with media_sources["vertical"].open("rb") as handle, pytest.raises(MasterUploadRefusedError) as refused:
        master_ingest(episode=episode, file=handle, original_filename="ep001.mp4", refuse_if_transcoding=True)
    assert refused.value.code == MediaErrorCode.ALREADY_TRANSCODING
    assert list(Master.objects.all()) == [first]
    assert stored_masters() == [str(Path(storages["default"].location) / first.file.name)]


class GeneratedBody(io.RawIOBase):
    """`size` bytes of a repeating pattern, produced as they are read (the body never exists whole)."""

    def __init__(self, size: int):
        self.remaining = size
        self.pattern = bytes(range(256)) * 4096  # 1 MiB

    def read(self, size: int = -1) -> bytes:
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        size = min(size, len(self.pattern))
        self.remaining -= size
        return self.pattern[:size]

    def readable(self) -> bool:
        return True


def test_a_large_upload_never_sits_in_memory(admin_client):
    import tracemalloc

    # given a 48 MiB body produced as it is read
    drama = drama_with_episodes(1)
    size = 48 * 1024 * 1024

    # when it is uploaded, with Python's allocations traced
    tracemalloc.start()
    try:
        response = admin_client.generic(
            "POST", bulk_url(drama, "upload/") + f"?name=ep001.mp4&size={size}", b"x", "application/octet-stream",
            CONTENT_LENGTH=str(size), **{"wsgi.input": GeneratedBody(size)},
        )  # fmt: skip
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then it is stored whole while the peak of allocations stays a few chunks, not the file
    assert response.status_code == 201, response.content
    assert Master.objects.get().size_bytes == size
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"  # measured: 7.4 MB (1 MiB chunks, copied a few times)


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"names": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", b"\xff\xfe", b'{"names": ["\\ud800.mp4"]}'],
)
def test_the_match_endpoint_answers_a_hostile_body_with_400(admin_client, body):
    # given a drama, when its match endpoint is sent JSON nested 100,000 deep, bytes that are not UTF-8,
    # or a lone surrogate
    drama = drama_with_episodes(1)
    admin_client.raise_request_exception = False  # a crash must show as the 500 it would be in production
    response = admin_client.generic("POST", bulk_url(drama, "match/"), body, "application/json")
    # then it is refused as the request it is, not a crash
    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("name", ["ep\u0661.mp4", "ep\u0967.mp4", "ep\uff11.mp4", "ep\x00001.mp4", "ep\u00b9.mp4"])
def test_a_name_numbered_in_other_digits_is_not_understood(admin_client, name):
    # given a drama whose episode 1 exists, when a file numbered in Arabic-Indic, Devanagari, full-width or
    # superscript digits (or with a NUL) is matched
    drama = drama_with_episodes(1)
    response = admin_client.post(bulk_url(drama, "match/"), {"names": [name]}, content_type="application/json")
    # then it is not taken for episode 1: file names number episodes in 0-9, as ingest_masters reads them
    ((match),) = response.json()["files"]
    assert (match["number"], match["code"]) == (None, "name_not_understood")
