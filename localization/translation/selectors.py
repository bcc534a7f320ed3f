"""Reads of the translation workflow: a drama's target languages, its glossary per language, and the
status matrix of everything localisable (in a fixed handful of queries, whatever the size of the drama)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from localization.models import (
    DramaLocalization,
    EpisodeLocalization,
    GlossaryTerm,
    SubtitleKind,
    SubtitleStatus,
    SubtitleVersion,
    TranslationStatus,
)
from localization.translation.glossary import GlossaryEntry, glossary_findings

if TYPE_CHECKING:
    from catalog.models import Drama

APPROVE_PERMISSION = "localization.approve_dramalocalization"

# The rows of the matrix: the drama's localisation (one status for its title and synopsis forms), then
# aggregates over episodes. `group` is what a bulk approval acts on.
TITLE_FORMS = (
    ("title", "Title (unlimited)"),
    ("title_medium", "Title (60)"),
    ("title_short", "Title (19)"),
    ("synopsis_short", "Synopsis (190)"),
    ("synopsis_medium", "Synopsis (400)"),
    ("synopsis_long", "Synopsis (4000)"),
)
GROUP_LOCALIZATION = "localization"
GROUP_EPISODE_TITLES = "episode_titles"
GROUP_SUBTITLES = "subtitles"
APPROVABLE_GROUPS = (GROUP_LOCALIZATION, GROUP_EPISODE_TITLES, GROUP_SUBTITLES)


def translation_languages_for(drama: Drama) -> list[str]:
    """The languages the drama is translated into: the catalogue's target languages but its own."""
    from localization.selectors import localization_target_languages

    return [tag for tag in localization_target_languages() if tag != drama.original_language]


def glossary_entries_for(*, drama: Drama, language: str) -> list[GlossaryEntry]:
    """The drama's glossary terms with their approved form in `language` ("" where there is none), one query."""
    terms = GlossaryTerm.objects.filter(drama=drama).prefetch_related("translations")
    return [
        GlossaryEntry(
            term=term.term,
            approved=next((t.text for t in term.translations.all() if t.language == language), ""),
        )
        for term in terms
    ]


@dataclass
class MatrixCell:
    """One language's state of a row: a status (missing, machine, in review, approved), or for the episode
    and subtitle rows the count approved of all, with the counts per status."""

    status: str
    approved: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    group: str = ""

    @property
    def awaiting_approval(self) -> bool:
        """Whether approving this cell would change something (an item in review or machine-translated)."""
        if self.counts:
            return any(status != TranslationStatus.APPROVED and n for status, n in self.counts.items())
        return self.status in (TranslationStatus.MACHINE, TranslationStatus.IN_REVIEW)

    @property
    def label(self) -> str:
        if self.total:
            return f"{self.approved}/{self.total} approved"
        return TranslationStatus(self.status).label if self.status in TranslationStatus.values else self.status


@dataclass
class MatrixRow:
    key: str
    label: str
    cells: dict[str, MatrixCell]
    group: str = ""


@dataclass
class TranslationMatrix:
    drama: Drama
    languages: list[str]
    rows: list[MatrixRow]
    episode_count: int


def _aggregate_status(by_status: dict[str, int], total: int) -> str:
    """The row's overall status for a language: missing while any item is, else the least advanced."""
    present = sum(by_status.values())
    if total == 0 or present < total:
        return TranslationStatus.MISSING
    for status in (TranslationStatus.MACHINE, TranslationStatus.IN_REVIEW):
        if by_status.get(status):
            return status
    return TranslationStatus.APPROVED


def translation_matrix(*, drama: Drama, languages: list[str] | None = None) -> TranslationMatrix:
    """Every localisable thing of `drama` × its target languages, with glossary warnings on the title and
    synopsis forms; seven queries (languages, localisations, glossary terms, their forms, episodes, episode titles,
    subtitles) however many episodes and languages."""
    if languages is None:
        languages = translation_languages_for(drama)
    localizations = {
        loc.language: loc
        for loc in DramaLocalization.objects.filter(drama=drama, language__in=[*languages, drama.original_language])
    }
    terms = list(GlossaryTerm.objects.filter(drama=drama).prefetch_related("translations"))
    episode_count = drama.episodes.count()
    episode_titles = (
        EpisodeLocalization.objects.filter(episode__drama=drama, language__in=languages)
        .exclude(title="")
        .values("language", "status")
        .annotate(n=Count("pk"))
    )
    subtitles = (
        SubtitleVersion.objects.filter(
            track__episode__drama=drama,
            track__language__in=languages,
            track__kind=SubtitleKind.FULL,
            status=SubtitleStatus.LIVE,
        )
        .values("track__language", "translation_status")
        .annotate(n=Count("pk"))
    )
    titles_by: dict[str, dict[str, int]] = {}
    for row in episode_titles:
        titles_by.setdefault(row["language"], {})[row["status"]] = row["n"]
    subtitles_by: dict[str, dict[str, int]] = {}
    for row in subtitles:  # type: ignore[assignment]
        subtitles_by.setdefault(row["track__language"], {})[row["translation_status"]] = row["n"]  # type: ignore[misc]

    source = localizations.get(drama.original_language)
    rows: list[MatrixRow] = []
    for name, label in TITLE_FORMS:
        cells = {}
        for language in languages:
            loc = localizations.get(language)
            value = getattr(loc, name) if loc is not None else ""
            status = loc.status if loc is not None and value else TranslationStatus.MISSING
            warnings: list[str] = []
            if value and terms:
                source_text = getattr(source, name, "") if source is not None else ""
                if name == "title" and not source_text:
                    source_text = drama.original_title
                entries = [
                    GlossaryEntry(
                        term=t.term,
                        approved=next((f.text for f in t.translations.all() if f.language == language), ""),
                    )
                    for t in terms
                ]
                warnings = glossary_findings(source_text, value, entries)
            cells[language] = MatrixCell(status=status, warnings=warnings, group=GROUP_LOCALIZATION)
        rows.append(MatrixRow(key=name, label=label, cells=cells, group=GROUP_LOCALIZATION))
    for key, label, by, group in (
        ("episode_titles", "Episode titles", titles_by, GROUP_EPISODE_TITLES),
        ("subtitles", "Subtitles (full)", subtitles_by, GROUP_SUBTITLES),
    ):
        cells = {}
        for language in languages:
            counts = by.get(language, {})
            cells[language] = MatrixCell(
                status=_aggregate_status(counts, episode_count),
                approved=counts.get(TranslationStatus.APPROVED, 0),
                total=episode_count,
                counts=counts,
                group=group,
            )
        rows.append(MatrixRow(key=key, label=label, cells=cells, group=group))
    # Dubbed audio has no model here yet: shown missing until it does.
    rows.append(
        MatrixRow(
            key="dub",
            label="Dub",
            cells={language: MatrixCell(status=TranslationStatus.MISSING) for language in languages},
        )
    )
    return TranslationMatrix(drama=drama, languages=languages, rows=rows, episode_count=episode_count)


def translation_matrix_url(drama_id: int) -> str:
    """Where the drama's translation matrix is in the admin ("" when the admin is not installed)."""
    try:
        return reverse("admin:localization_translation_matrix", args=[drama_id])
    except NoReverseMatch:
        return ""


def translation_ready_problem(drama: Drama) -> str | None:
    """Why the drama cannot be marked ready on the localisation side, naming the languages missing and who
    fixes them where; None when it has a localised title."""
    from localization.selectors import subtitle_language_name

    if drama.localizations.exists():
        return None
    missing = ", ".join(f"{subtitle_language_name(tag)} ({tag})" for tag in translation_languages_for(drama))
    url = translation_matrix_url(drama.pk)
    where = f" on its translation page: {url}" if url else ""
    return (
        f"It has no localised title in any language (missing: {missing or 'every language'}). "
        f"Translators add them and reviewers approve them{where}."
    )


def drama_localization_glossary_findings(*, drama: Drama, language: str) -> list[str]:
    """The glossary findings of the drama's localisation in `language`, form by form ("Title (19): …")."""
    matrix = translation_matrix(drama=drama, languages=[language])
    return [f"{row.label}: {warning}" for row in matrix.rows for warning in row.cells[language].warnings]


def may_approve(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user is not None and user.has_perm(APPROVE_PERMISSION))
