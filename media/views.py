"""Token-checked HLS delivery under /media-delivery/: master and variant playlists, segments, the key.

Every request carries the playback token in its path, so the relative URIs of the playlists keep
it. Playlists are rewritten on the way out: the key URI points at the token-checked key endpoint,
and on S3 the segments become short-lived presigned URLs.
"""

from __future__ import annotations

import enum
import re
import time

from django.core.files.storage import Storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_safe

from catalog.errors import EPISODE_WITHHELD_DETAIL
from catalog.selectors import episode_playback_refusal
from localization.dubs.hls import ladder_audio_uri, master_playlist_audio_add
from localization.dubs.selectors import audio_media_of, dub_rendition_ready, dub_renditions_ready
from localization.selectors import subtitle_media_of, subtitle_rendition_ready, subtitle_renditions_ready
from localization.subtitles.hls import SubtitleMedia, master_playlist_subtitles_add
from media import protection
from media.errors import MediaErrorCode
from media.models import EpisodeKey
from media.selectors import ladder_ready_for
from media.storage import media_storage, storage_presigns
from migu_platform.api.error_responses import NOT_FOUND_BODY
from partners.models import Organization
from rights.errors import PLAYBACK_REFUSALS
from rights.selectors import rights_languages_allowed, rights_playback_refusal, rights_window_for

_ALLOWED_PATH = re.compile(
    r"^(master\.m3u8|poster\.jpg|sprite\.jpg|thumbnails\.vtt|v\d{1,2}/index\.m3u8|v\d{1,2}/[\w-]{1,64}\.(m4s|mp4))$"
)
# A packaged subtitle track: its playlist, its segments and its sidecars (subs/<language>.<kind>/<file>).
_SUBTITLE_PATH = re.compile(
    r"^subs/(?P<language>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4}){0,2})\.(?P<kind>full|sdh|forced)/"
    r"(?P<file>index\.m3u8|seg_\d{5}\.vtt|subtitles\.vtt|subtitles\.ttml)$"
)
# A packaged dub: its playlist, init section and segments (audio/<language>/<file>).
_AUDIO_PATH = re.compile(
    r"^audio/(?P<language>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4}){0,2})/(?P<file>index\.m3u8|init\.mp4|seg_\d{5}\.m4s)$"
)
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt",
    ".ttml": "application/ttml+xml",
}
PRESIGN_MAX_SECONDS = 6 * 3600


def _refuse(code: enum.StrEnum, detail: str) -> JsonResponse:
    response = JsonResponse({"code": code, "detail": detail}, status=403)
    response["Cache-Control"] = "no-store"
    return response


def _not_found() -> JsonResponse:
    return JsonResponse(dict(NOT_FOUND_BODY), status=404)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def hls(request, episode_id: str, token: str, path: str):
    """One file of an episode's live ladder, for the holder of a valid playback token."""
    try:
        claims = protection.token_verify(token)
    except protection.TokenRefused as exc:
        return _refuse(exc.code, str(exc))
    if claims.episode_id != int(episode_id):
        return _refuse(MediaErrorCode.TOKEN_INVALID, "The playback token was issued for another episode.")
    organization = Organization.objects.filter(pk=claims.organization_id, is_active=True).first()
    if organization is None:
        return _refuse(MediaErrorCode.TOKEN_INVALID, "The playback token's organization is not active.")
    ladder = ladder_ready_for(episode_id=int(episode_id))
    if ladder is None:
        return _not_found()
    if path in ("master.m3u8", "key"):
        # The rights are checked again where playback starts and where the key is handed out: a window
        # that ended or was revoked after the token was issued stops playback (segments are encrypted,
        # so they are of no use without the key, and are not checked one by one).
        refused = _playback_refused(ladder, organization=organization, claims=claims)
        if refused is not None:
            return refused

    if path == "key":
        key = EpisodeKey.objects.filter(episode_id=episode_id).values_list("key", flat=True).first()
        if key is None:
            return _not_found()
        return _private(HttpResponse(bytes(key), content_type="application/octet-stream"))
    subtitle_path = _SUBTITLE_PATH.match(path)
    if subtitle_path is not None:
        return _subtitle_file(ladder, organization=organization, claims=claims, match=subtitle_path)
    audio_path = _AUDIO_PATH.match(path)
    if audio_path is not None:
        return _audio_file(ladder, organization=organization, claims=claims, match=audio_path, token=token)
    if not _ALLOWED_PATH.match(path):
        return _not_found()

    storage = media_storage()
    name = ladder.key(path)
    if not storage.exists(name):
        return _not_found()
    suffix = path[path.rfind(".") :]
    if path.endswith("index.m3u8"):
        with storage.open(name, "rb") as handle:
            text = handle.read().decode()
        key_url = reverse("media:hls", kwargs={"episode_id": episode_id, "token": token, "path": "key"})
        text = text.replace(protection.KEY_URI_PLACEHOLDER, key_url)
        if storage_presigns(storage):
            expire = max(60, min(PRESIGN_MAX_SECONDS, claims.expires_at - int(time.time())))
            variant_dir = name.rsplit("/", 1)[0]
            text = _presign_uris(text, storage=storage, base=variant_dir, expire=expire)
        return _private(HttpResponse(text, content_type=CONTENT_TYPES[suffix]))
    if path == "master.m3u8":
        with storage.open(name, "rb") as handle:
            text = handle.read().decode()
        original_uri = ladder_audio_uri(text)
        if original_uri:
            media = _audio_media(ladder, organization=organization, claims=claims, original_uri=original_uri)
            text = master_playlist_audio_add(text, media)
        text = master_playlist_subtitles_add(text, _subtitle_media(ladder, organization=organization, claims=claims))
        return _private(HttpResponse(text, content_type=CONTENT_TYPES[suffix]))
    return _file(storage, name, content_type=CONTENT_TYPES[suffix], claims=claims)


def _file(storage: Storage, name: str, *, content_type: str, claims) -> HttpResponseBase:
    """A stored file for a token holder: a short-lived presigned redirect where the storage signs URLs (S3),
    else the file itself."""
    if storage_presigns(storage):
        expire = max(60, min(300, claims.expires_at - int(time.time())))
        # Presigning storages (S3) take an expiry; Storage.url's stub does not.
        return _private(HttpResponseRedirect(storage.url(name, expire=expire)))  # type: ignore[call-arg]
    response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _subtitle_media(ladder, *, organization: Organization, claims) -> list[SubtitleMedia]:
    """The subtitle renditions the master playlist lists for this organization: the ladder's READY ones in
    the languages its window allows here (rights_languages_allowed: its list, or any, less holdbacks)."""
    renditions = subtitle_renditions_ready(ladder_id=ladder.pk)
    if not renditions:
        return []
    window = rights_window_for(licensee=organization, drama=ladder.episode.drama_id, territory=claims.territory)
    if window is None:
        return []
    available = sorted({r.track.language for r in renditions})
    allowed = rights_languages_allowed(window=window, audio_available=[], subtitles_available=available)
    preferred = (organization.languages or [""])[0]
    return subtitle_media_of(renditions, allowed_languages=allowed["subtitle_languages"], preferred_language=preferred)


def _audio_media(ladder, *, organization: Organization, claims, original_uri: str) -> list:
    """The audio renditions the master playlist lists for this organization: the ladder's own audio and its
    READY dubs, in the languages its window allows here (rights_languages_allowed)."""
    original = ladder.episode.drama.original_language
    renditions = dub_renditions_ready(ladder_id=ladder.pk)
    window = rights_window_for(licensee=organization, drama=ladder.episode.drama_id, territory=claims.territory)
    available = [original, *sorted({r.track.language for r in renditions} - {original})]
    allowed = [original]
    if window is not None:
        allowed = rights_languages_allowed(window=window, audio_available=available, subtitles_available=[])[
            "audio_languages"
        ]
    return audio_media_of(renditions, original_language=original, original_uri=original_uri, allowed_languages=allowed)


def _audio_file(ladder, *, organization: Organization, claims, match: re.Match, token: str) -> HttpResponseBase:
    """A file of a packaged dub, for a token holder whose window allows its language (a language held
    back, or not packaged, is the same 404 as a missing file)."""
    language, file = match.group("language"), match.group("file")
    refused = _playback_refused(ladder, organization=organization, claims=claims)
    if refused is not None:
        return refused
    window = rights_window_for(licensee=organization, drama=ladder.episode.drama_id, territory=claims.territory)
    if window is None:
        return _not_found()
    rendition = dub_rendition_ready(ladder_id=ladder.pk, language=language)
    allowed = rights_languages_allowed(window=window, audio_available=[language], subtitles_available=[])
    if rendition is None or language not in allowed["audio_languages"]:
        return _not_found()
    storage = media_storage()
    name = rendition.key(file)
    if not storage.exists(name):
        return _not_found()
    suffix = file[file.rfind(".") :]
    if file == "index.m3u8":
        with storage.open(name, "rb") as handle:
            text = handle.read().decode()
        # Dub segments are encrypted with the episode's key, handed out by the same checked endpoint.
        key_url = reverse("media:hls", kwargs={"episode_id": ladder.episode_id, "token": token, "path": "key"})
        text = text.replace(protection.KEY_URI_PLACEHOLDER, key_url)
        if storage_presigns(storage):
            expire = max(60, min(PRESIGN_MAX_SECONDS, claims.expires_at - int(time.time())))
            text = _presign_uris(text, storage=storage, base=rendition.storage_prefix, expire=expire)
        return _private(HttpResponse(text, content_type=CONTENT_TYPES[suffix]))
    return _file(storage, name, content_type=CONTENT_TYPES[suffix], claims=claims)


def _playback_refused(ladder, *, organization: Organization, claims) -> JsonResponse | None:
    """The refusal for a token holder whose window ended, was revoked or does not reach this episode, or
    whose episode was withheld after the token was issued; None when playback may go on.

    The drama's owner previews its own episodes (playback_preview_create) whatever the windows say."""
    if organization.pk == ladder.episode.drama.owner_id:
        return None
    refusal = rights_playback_refusal(
        licensee=organization,
        drama=ladder.episode.drama_id,
        episode_number=ladder.episode.number,
        territory=claims.territory,
    )
    if refusal is not None:
        return _refuse(refusal, PLAYBACK_REFUSALS[refusal].format(territory=claims.territory))
    withheld = episode_playback_refusal(episode=ladder.episode)
    if withheld is not None:
        return _refuse(withheld, EPISODE_WITHHELD_DETAIL.format(number=ladder.episode.number))
    return None


def _subtitle_file(ladder, *, organization: Organization, claims, match: re.Match) -> HttpResponseBase:
    """A file of a packaged subtitle track, for a token holder whose window allows its language.

    Subtitles are not encrypted, so each request is checked as the master playlist and the key are."""
    language, kind, file = match.group("language"), match.group("kind"), match.group("file")
    refused = _playback_refused(ladder, organization=organization, claims=claims)
    if refused is not None:
        return refused
    window = rights_window_for(licensee=organization, drama=ladder.episode.drama_id, territory=claims.territory)
    if window is None:
        return _not_found()
    rendition = subtitle_rendition_ready(ladder_id=ladder.pk, language=language, kind=kind)
    allowed = rights_languages_allowed(window=window, audio_available=[], subtitles_available=[language])
    if rendition is None or language not in allowed["subtitle_languages"]:
        return _not_found()  # missing and held back look the same
    storage = media_storage()
    name = rendition.key(file)
    if not storage.exists(name):
        return _not_found()
    suffix = file[file.rfind(".") :]
    if file == "index.m3u8":
        with storage.open(name, "rb") as handle:
            text = handle.read().decode()
        if storage_presigns(storage):
            expire = max(60, min(PRESIGN_MAX_SECONDS, claims.expires_at - int(time.time())))
            text = _presign_uris(text, storage=storage, base=rendition.storage_prefix, expire=expire)
        return _private(HttpResponse(text, content_type=CONTENT_TYPES[suffix]))
    return _file(storage, name, content_type=CONTENT_TYPES[suffix], claims=claims)


def _presign_uris(text: str, *, storage, base: str, expire: int) -> str:
    def sign(uri: str) -> str:
        return storage.url(f"{base}/{uri}", expire=expire)

    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            line = sign(line.strip())
        elif line.startswith("#EXT-X-MAP:"):
            line = re.sub(r'URI="([^"]+)"', lambda m: f'URI="{sign(m.group(1))}"', line)
        lines.append(line)
    return "\n".join(lines) + "\n"
