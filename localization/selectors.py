"""Reads on localisations: pick the best localisation for a reader through the fallback chain."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, CharField, Expression, ExpressionWrapper, F, Func, Model, Q, QuerySet, Value

from localization.languages import language_fallback_chain

if TYPE_CHECKING:
    from catalog.models import Drama
    from localization.models import SubtitleFindingWaiver, SubtitleRendition, SubtitleVersion
    from localization.subtitles.hls import SubtitleMedia

T = TypeVar("T")
M = TypeVar("M", bound=Model)


def localization_pick(by_language: Mapping[str, T], *, language: str, original_language: str = "") -> T | None:
    """Of a text's versions by language tag, the one a reader of `language` gets: the first along the
    fallback chain, else the original language's, else the first tag in order, so a title is never blank.

    localization_ordered() and localization_order_sql() are this rule for the queries that pick in the
    database; a test holds the three equal."""
    for tag in language_fallback_chain(language):
        if tag in by_language:
            return by_language[tag]
    if original_language in by_language:
        return by_language[original_language]
    return by_language[min(by_language)] if by_language else None


def localization_ordered(
    queryset: QuerySet[M], *, language: str, original_language: Expression | F | str
) -> QuerySet[M]:
    """A localisation queryset (field `language`) ordered so that localization_pick's choice comes first."""
    chain = language_fallback_chain(language)
    rank = Func(Value(chain, output_field=ArrayField(CharField())), F("language"), function="array_position")
    # The plugin loses a generic queryset's model through annotate(); the model does not change.
    return queryset.annotate(  # type: ignore[return-value]
        _pick_rank=rank,
        _pick_is_original=ExpressionWrapper(Q(language=original_language), output_field=BooleanField()),
    ).order_by(F("_pick_rank").asc(nulls_last=True), F("_pick_is_original").desc(), "language")


def localization_order_sql(*, alias: str, original_language_sql: str) -> str:
    """localization_ordered() in SQL over a localisation row aliased `alias`, with the reader's fallback chain
    as the named parameter %(chain)s (localization_chain_param())."""
    return (
        f"array_position(%(chain)s::varchar[], {alias}.language::varchar) ASC NULLS LAST, "
        f"({alias}.language = {original_language_sql}) DESC, {alias}.language ASC"
    )


def localization_chain_param(language: str) -> list[str]:
    return language_fallback_chain(language)


def localization_target_languages() -> list[str]:
    """The languages the catalogue is localised into: the configured list, then every language an
    active partner or operator serves (one query). Settings: MIGU_TARGET_LANGUAGES overrides the list."""
    from django.conf import settings

    from partners.models import Organization, OrganizationKind

    languages = list(settings.MIGU_TARGET_LANGUAGES)
    served = Organization.objects.filter(
        is_active=True, kind__in=[OrganizationKind.PARTNER, OrganizationKind.OPERATOR]
    ).values_list("languages", flat=True)
    extra = sorted({tag for tags in served for tag in tags} - set(languages))
    return languages + extra


def localization_gaps(*, drama: Drama, languages: Iterable[str]) -> dict[str, list[str]]:
    """What is missing per language: no localisation at all, or empty length-bounded forms."""
    present = {loc.language: loc for loc in drama.localizations.all()}
    gaps: dict[str, list[str]] = {}
    for language in languages:
        loc = present.get(language)
        if loc is None:
            gaps[language] = ["localisation"]
            continue
        missing = [
            name
            for name in ("title_medium", "title_short", "synopsis_short", "synopsis_medium", "synopsis_long")
            if not getattr(loc, name)
        ]
        if missing:
            gaps[language] = missing
    return gaps


def subtitle_versions_live(*, episode_ids: Iterable[int]) -> dict[tuple[int, str, str], SubtitleVersion]:
    """The live version of every track of these episodes, by (episode id, language, kind), in one query."""
    from localization.models import SubtitleStatus, SubtitleVersion

    versions = SubtitleVersion.objects.filter(
        track__episode_id__in=list(episode_ids), status=SubtitleStatus.LIVE
    ).select_related("track")
    return {(v.track.episode_id, v.track.language, v.track.kind): v for v in versions}


def subtitle_renditions_ready(*, ladder_id: int) -> list[SubtitleRendition]:
    """The READY subtitle renditions of a ladder (one per track), with their track, in one query; by
    language, then full, SDH, forced."""
    from localization.models import SubtitleRendition, SubtitleRenditionStatus

    renditions = SubtitleRendition.objects.filter(ladder_id=ladder_id, status=SubtitleRenditionStatus.READY)
    order = list(SUBTITLE_KIND_SUFFIX)
    return sorted(renditions.select_related("track"), key=lambda r: (r.track.language, order.index(r.track.kind)))


def subtitle_rendition_ready(*, ladder_id: int, language: str, kind: str) -> SubtitleRendition | None:
    """The READY rendition of the ladder's track in `language` and `kind`, if any."""
    from localization.models import SubtitleRendition, SubtitleRenditionStatus

    return SubtitleRendition.objects.filter(
        ladder_id=ladder_id, status=SubtitleRenditionStatus.READY, track__language=language, track__kind=kind
    ).first()


SUBTITLE_KIND_SUFFIX = {"full": "", "sdh": " (SDH)", "forced": " (forced)"}


def subtitle_language_name(tag: str) -> str:
    """A language's name for people (English), else the tag itself."""
    import pycountry

    from localization.languages import LANGUAGE_NAMES

    if tag in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[tag]
    language = tag.split("-", 1)[0]
    found_language = pycountry.languages.get(**{"alpha_2" if len(language) == 2 else "alpha_3": language})
    return found_language.name if found_language is not None else tag


def subtitle_media_of(
    renditions: Iterable[SubtitleRendition], *, allowed_languages: Iterable[str], preferred_language: str = ""
) -> list[SubtitleMedia]:
    """What a master playlist lists of these renditions for a viewer allowed `allowed_languages`: NAMEs
    unique in the group (language name and kind, then the tag where two names meet), FORCED only on forced
    narratives, and DEFAULT on at most one — the full subtitles in the partner's first language."""
    from localization.subtitles.hls import SubtitleMedia

    allowed = set(allowed_languages)
    listed = [r for r in renditions if r.track.language in allowed]
    names = [subtitle_language_name(r.track.language) + SUBTITLE_KIND_SUFFIX[r.track.kind] for r in listed]
    taken: set[str] = set()
    media = []
    default_taken = False
    for rendition, name in zip(listed, names, strict=True):
        track = rendition.track
        if names.count(name) > 1 or name in taken:
            name = f"{name} [{track.language}]"
        while name in taken:
            name += "*"
        taken.add(name)
        default = not default_taken and track.kind == "full" and track.language == preferred_language
        default_taken = default_taken or default
        media.append(
            SubtitleMedia(
                language=track.language,
                name=name,
                uri=f"subs/{track.language}.{track.kind}/index.m3u8",
                forced=track.kind == "forced",
                default=default,
            )
        )
    return media


def subtitle_languages_packaged(*, episode_ids: Iterable[int] | QuerySet) -> dict[int, list[str]]:
    """episode id -> the sorted languages of its subtitles packaged for playback (READY renditions on its
    READY ladder), in one query (`episode_ids` may be a query of ids, used as a subquery)."""
    from localization.models import SubtitleRendition, SubtitleRenditionStatus

    rows = (
        SubtitleRendition.objects.filter(
            status=SubtitleRenditionStatus.READY,
            ladder__status="ready",
            ladder__episode_id__in=(episode_ids if isinstance(episode_ids, QuerySet) else list(episode_ids)),
        )
        .values_list("ladder__episode_id", "track__language")
        .distinct()
    )
    languages: dict[int, set[str]] = {}
    for episode_id, language in rows:
        languages.setdefault(episode_id, set()).add(language)
    return {episode_id: sorted(tags) for episode_id, tags in languages.items()}


# --- The admin's subtitle pages ------------------------------------------------------------------


@dataclass
class FindingView:
    """A finding of a version as the admin shows it: its index (what a waiver names), and its waiver."""

    index: int
    code: str
    severity: str
    message: str
    line: int | None
    waiver: SubtitleFindingWaiver | None = None


@dataclass
class CueReview:
    """A cue beside its findings (errors first); `cue` is None for findings on the file as a whole."""

    number: int | None
    start_ms: int | None
    end_ms: int | None
    lines: list[str]
    findings: list[FindingView]

    @property
    def has_error(self) -> bool:
        return any(finding.severity == "error" for finding in self.findings)


def subtitle_version_review(*, version: SubtitleVersion) -> list[CueReview]:
    """Every finding of `version` on its cue: the file's own findings first, then cues with an error, then
    cues with warnings only, each in cue order; in each, errors before warnings.

    The cues are read again from the file as uploaded, as subtitle_ingest read it (no uploader's encoding
    is declared on any path today), which gives the cue indices the findings were made on; a file that
    could not be read at all has only file findings.
    """
    from localization.errors import SubtitleRefusedError
    from localization.subtitles.parse import subtitle_parse
    from media.storage import media_storage

    waivers = {waiver.finding_index: waiver for waiver in version.waivers.select_related("waived_by")}
    cues = []
    if version.cue_count and version.source:
        try:
            with media_storage().open(version.source.name, "rb") as handle:  # type: ignore[arg-type]
                raw = handle.read()
            episode = version.track.episode
            cues = subtitle_parse(
                raw, language=version.track.language, filename=version.original_filename,
                duration_ms=episode.duration_seconds * 1000 if episode.duration_seconds else None,
            ).cues  # fmt: skip
        except (OSError, SubtitleRefusedError):
            cues = []
    by_cue: dict[int | None, list[FindingView]] = {}
    for index, finding in enumerate(version.findings or []):
        cue = finding.get("cue")
        if cue is not None and not 0 <= cue < len(cues):
            cue = None
        by_cue.setdefault(cue, []).append(
            FindingView(
                index=index, code=finding.get("code", ""), severity=finding.get("severity", ""),
                message=finding.get("message", ""), line=finding.get("line"), waiver=waivers.get(index),
            )
        )  # fmt: skip
    reviews = []
    for cue_index, findings in by_cue.items():
        findings.sort(key=lambda finding: (finding.severity != "error", finding.line or 0, finding.index))
        if cue_index is None:
            reviews.append(CueReview(None, None, None, [], findings))
        else:
            cue = cues[cue_index]
            reviews.append(CueReview(cue_index + 1, cue.start_ms, cue.end_ms, cue.plain_lines(), findings))
    reviews.sort(key=lambda review: (review.number is not None, not review.has_error, review.number or 0))
    return reviews


class CoverageState(enum.StrEnum):
    LIVE = "live"
    WARNINGS = "warnings"
    REJECTED = "rejected"
    MISSING = "missing"


COVERAGE_LABELS = {
    CoverageState.LIVE: "Live",
    CoverageState.WARNINGS: "Warnings outstanding",
    CoverageState.REJECTED: "Rejected",
    CoverageState.MISSING: "Missing",
}


@dataclass
class CoverageTrack:
    """One track in a cell: its kind, its live version (if any) and its latest upload."""

    kind: str
    live_id: int | None
    live_number: int | None
    outstanding_warnings: int
    latest_id: int | None
    latest_number: int | None
    latest_status: str


@dataclass
class CoverageCell:
    episode_id: int
    episode_number: int
    language: str
    state: CoverageState
    tracks: list[CoverageTrack] = field(default_factory=list)


@dataclass
class SubtitleCoverage:
    """What is missing per language on a drama: episodes × languages, each cell's state, totals per language."""

    languages: list[str]
    rows: list[tuple[int, int, list[CoverageCell]]]  # episode id, number, a cell per language
    totals: dict[str, dict[str, int]]


def subtitle_languages_of(*, drama: Drama) -> list[str]:
    """The languages a drama is to be subtitled in, sorted, in one query: its localisations' languages,
    every language its rights windows name in `subtitle_languages`, and any language it has a track in."""
    from localization.models import DramaLocalization, SubtitleTrack
    from rights.selectors import rights_subtitle_languages_named

    return sorted(
        set(
            DramaLocalization.objects.filter(drama=drama)
            .order_by()
            .values_list("language", flat=True)
            .union(
                rights_subtitle_languages_named(drama=drama).order_by(),
                SubtitleTrack.objects.filter(episode__drama=drama).order_by().values_list("language", flat=True),
            )
        )
    )


def subtitle_coverage(*, drama: Drama) -> SubtitleCoverage:
    """Each episode's subtitles in each of the drama's target languages, in two queries whatever the size:
    the languages (its localisations', those its rights windows name for subtitles, those it has tracks
    in), then the episodes with every track's live version, outstanding warnings and latest upload.

    A cell is live when a track of that language has a live version whose warnings are all waived,
    warnings-outstanding when one is live with warnings not waived, rejected when none is live and an
    upload was rejected, else missing.
    """
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce, JSONObject

    from localization.models import SubtitleFindingWaiver, SubtitleTrack, SubtitleVersion

    languages = subtitle_languages_of(drama=drama)
    live = SubtitleVersion.objects.filter(track=OuterRef("pk"), status="live")
    latest = SubtitleVersion.objects.filter(track=OuterRef("pk")).order_by("-number")
    waived = (
        SubtitleFindingWaiver.objects.filter(version__track=OuterRef("pk"), version__status="live")
        .values("version__track")
        .annotate(total=Count("pk"))
        .values("total")
    )
    track_rows = (
        SubtitleTrack.objects.filter(episode=OuterRef("pk"))
        .order_by("language", "kind")
        .values(
            json=JSONObject(
                language="language",
                kind="kind",
                live_id=Subquery(live.values("pk")[:1]),
                live_number=Subquery(live.values("number")[:1]),
                live_warnings=Subquery(live.values("warning_count")[:1]),
                waived=Coalesce(Subquery(waived, output_field=IntegerField()), 0),
                latest_id=Subquery(latest.values("pk")[:1]),
                latest_number=Subquery(latest.values("number")[:1]),
                latest_status=Subquery(latest.values("status")[:1]),
            )
        )
    )
    episodes = drama.episodes.order_by("number").values_list("pk", "number").annotate(tracks=ArraySubquery(track_rows))
    rows = []
    totals = {language: dict.fromkeys(CoverageState, 0) for language in languages}
    for episode_id, number, tracks in episodes:
        by_language: dict[str, list[CoverageTrack]] = {}
        for track in tracks:
            by_language.setdefault(track["language"], []).append(
                CoverageTrack(
                    kind=track["kind"], live_id=track["live_id"], live_number=track["live_number"],
                    outstanding_warnings=max((track["live_warnings"] or 0) - track["waived"], 0)
                    if track["live_id"] else 0,
                    latest_id=track["latest_id"], latest_number=track["latest_number"],
                    latest_status=track["latest_status"] or "",
                )
            )  # fmt: skip
        cells = []
        for language in languages:
            found = by_language.get(language, [])
            lives = [track for track in found if track.live_id]
            if lives:
                outstanding = any(track.outstanding_warnings for track in lives)
                state = CoverageState.WARNINGS if outstanding else CoverageState.LIVE
            elif any(track.latest_status == "rejected" for track in found):
                state = CoverageState.REJECTED
            else:
                state = CoverageState.MISSING
            totals[language][state] += 1
            cells.append(CoverageCell(episode_id, number, language, state, found))
        rows.append((episode_id, number, cells))
    return SubtitleCoverage(languages=languages, rows=rows, totals=totals)  # type: ignore[arg-type]
