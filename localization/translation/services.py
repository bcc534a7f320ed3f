"""Writes of the translation workflow: who may set which status, bulk approval, machine translation of a
drama into a language (titles, synopses, episode titles, subtitles cue by cue), and its job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.files.storage import Storage
from django.db import transaction

from catalog.models import Drama, Episode
from jobs.models import Job, JobKind
from jobs.runners import job_enqueue
from jobs.services import job_create
from localization.errors import TranslationError, TranslationErrorCode
from localization.languages import is_valid_tag, normalize_tag
from localization.models import (
    TITLE_MEDIUM_MAX,
    TITLE_SHORT_MAX,
    DramaLocalization,
    EpisodeLocalization,
    SubtitleKind,
    SubtitleStatus,
    SubtitleVersion,
    TranslationStatus,
)
from localization.subtitles.cues import Cue, escape_text
from localization.subtitles.parse import subtitle_parse
from localization.subtitles.writers import webvtt_write
from localization.translation.glossary import (
    GlossaryEntry,
    glossary_protect,
    glossary_restore,
)
from localization.translation.providers import TranslationProvider, texts_translate
from localization.translation.selectors import (
    GROUP_EPISODE_TITLES,
    GROUP_LOCALIZATION,
    GROUP_SUBTITLES,
    glossary_entries_for,
    may_approve,
)
from media.storage import media_storage

logger = logging.getLogger(__name__)

# How many cues go in one request; the cues just before and after a batch are sent as its context.
SUBTITLE_BATCH_CUES = 20

Progress = Callable[[int, int, str], None]


def translation_status_for_edit(*, actor: User | None, requested: str, previous: str | None, changed: bool) -> str:
    """The status a translation edited by `actor` ends in: APPROVED only by a reviewer (TranslationError
    translation_not_allowed otherwise); an approved translation changed by someone who may not approve goes
    back to review."""
    reviewer = may_approve(actor)
    if requested == TranslationStatus.APPROVED and not reviewer:
        if previous == TranslationStatus.APPROVED and not changed:
            return requested
        if previous == TranslationStatus.APPROVED:
            return TranslationStatus.IN_REVIEW
        raise TranslationError(
            "Only a reviewer approves a translation: save it in review, and a reviewer approves it.",
            code=TranslationErrorCode.NOT_ALLOWED,
            fields={"status": ["Only a reviewer may set Approved."]},
        )
    return requested


@dataclass
class ApprovalResult:
    localizations: int = 0
    episode_titles: int = 0
    subtitles: int = 0

    @property
    def total(self) -> int:
        return self.localizations + self.episode_titles + self.subtitles


@transaction.atomic
def translations_approve(*, drama: Drama, cells: list[tuple[str, str]], actor: User) -> ApprovalResult:
    """Approve what exists of the selected (group, language) cells of the drama's matrix: its localisation
    (titles and synopses), its episodes' titles, its live full subtitles. Missing items stay missing.
    TranslationError(translation_not_allowed) for anyone but a reviewer."""
    if not may_approve(actor):
        raise TranslationError("Only a reviewer approves translations.", code=TranslationErrorCode.NOT_ALLOWED)
    result = ApprovalResult()
    by_group: dict[str, set[str]] = {}
    for group, language in cells:
        by_group.setdefault(group, set()).add(normalize_tag(language))
    approved = TranslationStatus.APPROVED
    if languages := by_group.get(GROUP_LOCALIZATION):
        result.localizations = (
            DramaLocalization.objects.filter(drama=drama, language__in=languages)
            .exclude(status=approved)
            .exclude(title="")
            .update(status=approved)
        )
    if languages := by_group.get(GROUP_EPISODE_TITLES):
        result.episode_titles = (
            EpisodeLocalization.objects.filter(episode__drama=drama, language__in=languages)
            .exclude(status=approved)
            .exclude(title="")
            .update(status=approved)
        )
    if languages := by_group.get(GROUP_SUBTITLES):
        result.subtitles = (
            SubtitleVersion.objects.filter(
                track__episode__drama=drama, track__language__in=languages, status=SubtitleStatus.LIVE
            )
            .exclude(translation_status=approved)
            .update(translation_status=approved)
        )
    return result


# --- Machine translation ---------------------------------------------------------------------------


@dataclass
class MachineTranslationResult:
    """What a machine translation of a drama into a language wrote, and what it left for people."""

    language: str
    localization: bool = False
    episode_titles: int = 0
    subtitles: int = 0
    left_out: list[str] = field(default_factory=list)
    requests: int = 0

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "localization": self.localization,
            "episode_titles": self.episode_titles,
            "subtitles": self.subtitles,
            "left_out": self.left_out[:50],
            "requests": self.requests,
        }


def _translate_protected(
    provider: TranslationProvider,
    texts: list[str],
    *,
    source: str,
    target: str,
    entries: list[GlossaryEntry],
    context: str = "",
) -> list[str]:
    protected = [glossary_protect(text, entries) for text in texts]
    translated = texts_translate(provider, [p.text for p in protected], source=source, target=target, context=context)
    return [glossary_restore(text, p) for text, p in zip(translated, protected, strict=True)]


def drama_machine_translate(
    *,
    drama: Drama,
    language: str,
    provider: TranslationProvider,
    actor: User | None = None,
    progress: Progress | None = None,
) -> MachineTranslationResult:
    """Machine-translate what is missing of `drama` in `language`: its title and synopsis forms (from the
    localisation in its original language, the title from the original title when there is none), its
    episodes' titles, and its episodes' full subtitles cue by cue. Human work is never overwritten; output
    is saved MACHINE (subtitles as a new version through subtitle_ingest, so quality control runs). Glossary
    terms are protected and come out in their approved form. A title form the translation does not fit is
    left missing and named in `left_out`. Raises TranslationError / TranslationProviderError."""
    from localization.selectors import subtitle_versions_live
    from localization.services import drama_localization_upsert

    language = normalize_tag(language)
    if not is_valid_tag(language) or language == drama.original_language:
        raise TranslationError(
            f"{language!r} is not a language to translate {drama} into.", code=TranslationErrorCode.PAIR_UNSUPPORTED
        )
    source_language = drama.original_language
    entries = glossary_entries_for(drama=drama, language=language)
    result = MachineTranslationResult(language=language)
    episodes = list(Episode.objects.filter(drama=drama).order_by("number"))
    live = subtitle_versions_live(episode_ids=[e.pk for e in episodes])
    subtitle_episodes = [
        e
        for e in episodes
        if (e.pk, source_language, SubtitleKind.FULL) in live and (e.pk, language, SubtitleKind.FULL) not in live
    ]
    total = 2 + len(subtitle_episodes)
    done = 0

    def step(note: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, note)

    # 1. The drama's title and synopsis forms.
    existing = DramaLocalization.objects.filter(drama=drama, language=language).first()
    if existing is None or existing.status == TranslationStatus.MISSING or not existing.title:
        source = DramaLocalization.objects.filter(drama=drama, language=source_language).first()
        names = ["title", "title_medium", "title_short", "synopsis_short", "synopsis_medium", "synopsis_long"]
        sources = {name: (getattr(source, name) if source is not None else "") for name in names}
        sources["title"] = sources["title"] or drama.original_title
        wanted = [name for name in names if sources[name]]
        context = " ".join(filter(None, [sources["title"], sources["synopsis_short"]]))
        translated = dict(
            zip(
                wanted,
                _translate_protected(
                    provider,
                    [sources[n] for n in wanted],
                    source=source_language,
                    target=language,
                    entries=entries,
                    context=context,
                ),
                strict=True,
            )
        )
        title = translated["title"].strip()[:300]
        fields = {name: translated.get(name, "").strip() for name in names[1:]}
        # A form the source lacks, or that the translation overflows, is filled from the title when it fits.
        limits = {"title_medium": TITLE_MEDIUM_MAX, "title_short": TITLE_SHORT_MAX}
        for name, limit in limits.items():
            if not fields[name] or len(fields[name]) > limit:
                fields[name] = title if len(title) <= limit else ""
        for name, max_length in (("synopsis_short", 190), ("synopsis_medium", 400), ("synopsis_long", 4000)):
            if len(fields[name]) > max_length:
                fields[name] = ""
        result.left_out += [
            f"{name} (does not fit)" for name, value in fields.items() if not value and sources.get(name)
        ]
        drama_localization_upsert(
            drama=drama, language=language, title=title, status=TranslationStatus.MACHINE, **fields
        )
        result.localization = True
    step("title and synopses")

    # 2. Episode titles missing in the language, from the original language's localisation or the original title.
    targets = {
        loc.episode_id: loc for loc in EpisodeLocalization.objects.filter(episode__drama=drama, language=language)
    }
    sources_by_episode = {
        loc.episode_id: loc.title
        for loc in EpisodeLocalization.objects.filter(episode__drama=drama, language=source_language).exclude(title="")
    }
    wanted_episodes = [
        e
        for e in episodes
        if not (targets.get(e.pk) and targets[e.pk].title) and (sources_by_episode.get(e.pk) or e.original_title)
    ]
    if wanted_episodes:
        titles = _translate_protected(
            provider,
            [sources_by_episode.get(e.pk) or e.original_title for e in wanted_episodes],
            source=source_language,
            target=language,
            entries=entries,
            context=drama.original_title,
        )
        with transaction.atomic():
            for episode, title in zip(wanted_episodes, titles, strict=True):
                EpisodeLocalization.objects.update_or_create(
                    episode=episode,
                    language=language,
                    defaults={"title": title.strip()[:300], "status": TranslationStatus.MACHINE},
                )
        result.episode_titles = len(wanted_episodes)
    step("episode titles")

    # 3. Subtitles, cue by cue, for episodes with live original-language subtitles and none in the language.
    storage = media_storage()
    for episode in subtitle_episodes:
        version = live[(episode.pk, source_language, SubtitleKind.FULL)]
        translated_version = subtitle_machine_translate(
            episode=episode,
            version=version,
            language=language,
            provider=provider,
            entries=entries,
            actor=actor,
            storage=storage,
        )
        if translated_version.status == SubtitleStatus.LIVE:
            result.subtitles += 1
        else:
            result.left_out.append(f"E{episode.number} subtitles (rejected by quality control)")
        step(f"E{episode.number} subtitles")
    result.requests = provider.requests_sent
    return result


def subtitle_cues_translate(
    cues: list[Cue],
    *,
    provider: TranslationProvider,
    source: str,
    target: str,
    entries: list[GlossaryEntry],
    batch: int = SUBTITLE_BATCH_CUES,
) -> list[Cue]:
    """The cues translated one by one (a text per cue, its lines joined), each keeping its timing and its
    number of lines; the source cues around each batch are sent as its context."""
    texts = [" ".join(line.strip() for line in cue.plain_lines() if line.strip()) for cue in cues]
    out: list[Cue] = []
    for start in range(0, len(cues), batch):
        end = min(start + batch, len(cues))
        context = " ".join(texts[max(0, start - 2) : start] + texts[end : end + 2])
        translated = _translate_protected(
            provider, texts[start:end], source=source, target=target, entries=entries, context=context
        )
        for cue, text in zip(cues[start:end], translated, strict=True):
            lines = [escape_text(line) for line in lines_rewrap(text.strip(), max(1, len(cue.lines)))]
            out.append(
                Cue(start_ms=cue.start_ms, end_ms=cue.end_ms, lines=lines, line=cue.line, identifier=cue.identifier)
            )
    return out


def lines_rewrap(text: str, count: int) -> list[str]:
    """`text` in `count` lines of about even length: at spaces, or between characters for a script written
    without them (Chinese, Japanese, Thai). Fewer lines when there are fewer words."""
    if count <= 1 or not text:
        return [text]
    words = text.split()
    if len(words) == 1:
        if text.isascii():
            return [text]
        size = -(-len(text) // count)
        return [text[i : i + size] for i in range(0, len(text), size)]
    target = len(text) / count
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        longer = f"{current} {word}" if current else word
        lines_left = count - len(lines) - 1
        words_left = len(words) - index
        # Break before this word when the line is closer to its share without it.
        if (
            current
            and lines_left
            and words_left >= lines_left
            and abs(len(longer) - target) > abs(len(current) - target)
        ):
            lines.append(current)
            current = word
        else:
            current = longer
    lines.append(current)
    return lines


def subtitle_machine_translate(
    *,
    episode: Episode,
    version: SubtitleVersion,
    language: str,
    provider: TranslationProvider,
    entries: list[GlossaryEntry],
    actor: User | None = None,
    storage: Storage | None = None,
) -> SubtitleVersion:
    """A new version of the episode's full track in `language`, machine-translated from `version` cue by cue
    and ingested like an upload (quality control decides whether it goes live), marked MACHINE."""
    from localization.services import subtitle_ingest

    storage = storage or media_storage()
    with storage.open(version.webvtt.name, "rb") as handle:  # type: ignore[arg-type]
        data = handle.read()
    cues = subtitle_parse(data, language=version.track.language, filename="subtitles.vtt").cues
    translated = subtitle_cues_translate(
        cues, provider=provider, source=version.track.language, target=language, entries=entries
    )
    text = webvtt_write(translated, language=language)
    return subtitle_ingest(
        episode=episode,
        language=language,
        kind=SubtitleKind.FULL,
        filename=f"E{episode.number:03d}.{language}.machine.vtt",
        data=text.encode(),
        actor=actor,
        translation_status=TranslationStatus.MACHINE,
    )


def translation_job_create(*, drama: Drama, language: str, created_by: User | None = None) -> Job:
    """A job machine-translating what is missing of `drama` in `language`; its task sent after commit."""
    language = normalize_tag(language)
    if not is_valid_tag(language):
        raise TranslationError(f"{language!r} is not a language tag.", code=TranslationErrorCode.PAIR_UNSUPPORTED)
    job = job_create(
        kind=JobKind.TRANSLATION,
        target=drama,
        organization=drama.owner,
        params={"drama_id": drama.pk, "language": language},
        created_by=created_by,
    )
    job_enqueue(job)
    return job


def translation_job_send(job: Job) -> None:
    """The job runner of kind `translation` (also the admin's re-run): the task on the default queue."""
    from localization.tasks import translate_drama

    translate_drama.apply_async(args=[job.pk])
