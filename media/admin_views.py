"""The media admin's own pages: masters in bulk on a drama (a row per file, live progress) and the preview
player of an episode's ladder. Mounted by MasterAdmin.get_urls(), so they share its login, permissions and
CSRF; every write goes through media.services, every read through media.selectors."""

from __future__ import annotations

import orjson
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Drama, Episode
from media.admin_display import ladder_preview_allowed, master_upload_allowed
from media.errors import LadderNotReadyError, MasterUploadRefusedError, MediaErrorCode
from media.models import Ladder, LadderStatus, Master
from media.selectors import masters_match, masters_with_transcode_status
from media.services import master_retranscode, master_upload, playback_preview_create
from migu_platform.errors import ErrorCode

# How many names one match request may carry, and how many masters one status poll may ask about.
BATCH_MAX = 500
REFUSAL_STATUS = {MediaErrorCode.ALREADY_TRANSCODING: 409}


def _refusal(error: MasterUploadRefusedError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=REFUSAL_STATUS.get(error.code, 400))


def _bad_request(detail: str) -> JsonResponse:
    return JsonResponse({"code": ErrorCode.INVALID, "detail": detail}, status=400)


def _may_upload(request: HttpRequest) -> None:
    # As the masters' add page: the content role (or a superuser), staff login checked by admin_view.
    if not master_upload_allowed(request):
        raise PermissionDenied


def _drama(drama_id: int) -> Drama:
    # A drama that does not exist and one the user may not see answer the same 404.
    return get_object_or_404(Drama, pk=drama_id)


def masters_bulk_page(request: HttpRequest, drama_id: int) -> TemplateResponse:
    """Choose files or drop a folder; each file uploads on its own and gets a row with its progress."""
    _may_upload(request)
    drama = _drama(drama_id)
    numbers = list(Episode.objects.filter(drama=drama).order_by("number").values_list("number", flat=True))
    base = reverse("admin:media_master_bulk", args=[drama.pk])
    context = {
        **admin.site.each_context(request),
        "title": f"Upload masters: {drama.original_title}",
        "opts": Master._meta,
        "drama": drama,
        "episode_count": len(numbers),
        "episode_range": f"{numbers[0]}–{numbers[-1]}" if numbers else "",
        "urls": {
            "match": f"{base}match/",
            "upload": f"{base}upload/",
            "status": f"{base}status/",
            "rerun": f"{base}rerun/",
            "master": reverse("admin:media_master_changelist"),
            "drama": reverse("admin:catalog_drama_change", args=[drama.pk]),
        },
    }
    return TemplateResponse(request, "admin/media/master/bulk_upload.html", context)


@require_POST
def masters_bulk_match(request: HttpRequest, drama_id: int) -> JsonResponse:
    """{"names": [...]} -> each name's episode or the reason it is refused, before anything is uploaded."""
    _may_upload(request)
    drama = _drama(drama_id)
    try:
        # orjson: a body nested past 1,024 levels is a ValueError (json.loads recurses until RecursionError).
        names = orjson.loads(request.body or b"{}").get("names")
    except (ValueError, AttributeError):
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) and 0 < len(n) <= 300 for n in names):
        return _bad_request('Send {"names": [...]}: the file names, each 1 to 300 characters.')
    if len(names) > BATCH_MAX:
        return _bad_request(f"At most {BATCH_MAX} files at a time.")
    files = [
        {"name": m.name, "number": m.number, "episode_id": m.episode.pk if m.episode else None, "code": m.code,
         "detail": m.detail}
        for m in masters_match(drama=drama, names=names)
    ]  # fmt: skip
    return JsonResponse({"files": files})


@require_POST
def masters_bulk_upload(request: HttpRequest, drama_id: int) -> JsonResponse:
    """One file as the raw request body (`?name=ep001.mp4&size=N`), read in chunks, never whole in memory."""
    _may_upload(request)
    drama = _drama(drama_id)
    name = request.GET.get("name", "")
    try:
        size = int(request.GET.get("size", ""))
        length = int(request.META.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return _bad_request("Give the file's size in bytes (?size=) and send it as the request body.")
    if not name or len(name) > 300 or "/" in name or "\\" in name:
        return _bad_request("Give the file's name (?name=ep001.mp4), without folders.")
    if size <= 0 or length != size:
        return _bad_request(f"The body must be the whole file: {size} bytes announced, {length} sent.")
    try:
        master, job = master_upload(drama=drama, name=name, stream=request, size=size, uploaded_by=request.user)  # type: ignore[arg-type]
    except MasterUploadRefusedError as error:
        return _refusal(error)
    return JsonResponse(
        {"master_id": master.pk, "job_id": job.pk, "number": master.episode.number, "size_bytes": master.size_bytes},
        status=201,
    )


@require_GET
def masters_bulk_status(request: HttpRequest, drama_id: int) -> JsonResponse:
    """`?ids=1,2,3` -> each of these masters of the drama with its latest transcode job, in one query.

    A master of another drama is left out, as a missing one is."""
    drama = _drama(drama_id)
    if not request.user.has_perm("media.view_master"):
        raise PermissionDenied
    try:
        ids = [int(part) for part in request.GET.get("ids", "").split(",") if part][:BATCH_MAX]
    except ValueError:
        return _bad_request("ids: master ids separated by commas.")
    masters = masters_with_transcode_status(
        Master.objects.filter(pk__in=ids, episode__drama=drama).select_related("episode")
    )
    rows = [
        {
            "master_id": m.pk, "number": m.episode.number, "master_status": m.status,
            "job_id": m.job_id, "status": m.job_status, "progress": round(m.job_progress or 0, 1),  # type: ignore[attr-defined]
            "error_code": m.job_error_code or m.rejection_code, "error": m.job_error or m.rejection_reason,  # type: ignore[attr-defined]
            "warnings": m.warnings,
            "preview": reverse("admin:media_ladder_preview", args=[m.episode_id]),
        }
        for m in masters
    ]  # fmt: skip
    return JsonResponse({"masters": rows})


@require_POST
def masters_bulk_rerun(request: HttpRequest, drama_id: int, master_id: int) -> JsonResponse:
    """Transcode one master of the drama again; a master of another drama answers 404."""
    _may_upload(request)
    drama = _drama(drama_id)
    master = Master.objects.filter(pk=master_id, episode__drama=drama).select_related("episode__drama").first()
    if master is None:
        raise Http404
    try:
        job = master_retranscode(master=master, created_by=request.user)  # type: ignore[arg-type]
    except MasterUploadRefusedError as error:
        return _refusal(error)
    return JsonResponse({"master_id": master.pk, "job_id": job.pk}, status=201)


def ladder_preview(request: HttpRequest, episode_id: int) -> TemplateResponse:
    """The episode's live ladder in hls.js through a short-lived playback token: poster, rungs, their VMAF."""
    if not ladder_preview_allowed(request):
        raise PermissionDenied
    episode = get_object_or_404(Episode.objects.select_related("drama__owner"), pk=episode_id)
    ladder = Ladder.objects.filter(episode=episode, status=LadderStatus.READY).prefetch_related("renditions").first()
    session = None
    refusal = ""
    try:
        session = playback_preview_create(episode=episode)
    except LadderNotReadyError as error:
        refusal = error.message
    rungs = [
        {"index": r.index, "width": r.width, "height": r.height, "kbps": round(r.video_bitrate / 1000),
         "bandwidth": r.bandwidth, "vmaf": r.vmaf, "ssim": r.ssim}
        for r in (ladder.renditions.all() if ladder is not None else [])
    ]  # fmt: skip
    context = {
        **admin.site.each_context(request),
        "title": f"Preview: {episode}",
        "opts": Ladder._meta,
        "episode": episode,
        "ladder": ladder,
        "rungs": rungs,
        "session": session,
        "refusal": refusal,
        "poster_url": session.url.replace("master.m3u8", "poster.jpg") if session else "",
    }
    return TemplateResponse(request, "admin/media/ladder/preview.html", context)
