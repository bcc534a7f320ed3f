"""Writes on the catalogue: dramas, episodes and the status workflow."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.errors import CatalogErrorCode, DramaTransitionError, EpisodeNumbersError, EpisodeStatusError
from catalog.models import Drama, DramaStatus, Episode, EpisodeStatus, Genre, Trope
from partners.models import Organization, OrganizationKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Allowed moves of the workflow: draft → ready → published → retired, and back to draft to rework.
TRANSITIONS: dict[str, frozenset[str]] = {
    DramaStatus.DRAFT: frozenset({DramaStatus.READY}),
    DramaStatus.READY: frozenset({DramaStatus.PUBLISHED, DramaStatus.DRAFT}),
    DramaStatus.PUBLISHED: frozenset({DramaStatus.RETIRED}),
    DramaStatus.RETIRED: frozenset({DramaStatus.DRAFT, DramaStatus.PUBLISHED}),
}
MAX_EPISODES_PER_DRAMA = 2000


@transaction.atomic
def drama_create(
    *,
    owner: Organization,
    original_title: str,
    original_language: str = "zh-Hans",
    format: str = "vertical",
    genres: Iterable[Genre] = (),
    tropes: Iterable[Trope] = (),
    **fields: Any,
) -> Drama:
    """Create a drama in DRAFT."""
    drama = Drama(
        owner=owner, original_title=original_title, original_language=original_language, format=format, **fields
    )
    drama.full_clean()
    drama.save()
    drama.genres.set(list(genres))
    drama.tropes.set(list(tropes))
    return drama


def drama_bulk_create(dramas: list[Drama]) -> list[Drama]:
    """Create many dramas in DRAFT at once (unsaved Drama instances, no genres or tropes).

    The same checks as drama_create, each owner's kind read from the instance it holds; the unique
    EIDR and ALID are left to the database (IntegrityError: create them one by one to learn which).
    """
    for drama in dramas:
        if drama.owner.kind != OrganizationKind.LICENSOR:
            raise ValidationError({"owner": f"'{drama.owner.name}' is not a licensor."})
        drama.full_clean(exclude=["owner"], validate_unique=False, validate_constraints=False)
    return Drama.objects.bulk_create(dramas)


# Fields that only the workflow (drama_transition) writes.
WORKFLOW_FIELDS = frozenset({"status", "published_at", "retired_at"})


@transaction.atomic
def drama_update(
    *,
    drama: Drama,
    genres: Iterable[Genre] | None = None,
    tropes: Iterable[Trope] | None = None,
    **fields: Any,
) -> Drama:
    """Edit a drama's descriptive fields; its status moves only through drama_transition."""
    forbidden = WORKFLOW_FIELDS & fields.keys()
    if forbidden:
        raise ValueError(f"{', '.join(sorted(forbidden))} change only through drama_transition.")
    for name, value in fields.items():
        setattr(drama, name, value)
    drama.full_clean()
    drama.save()
    if genres is not None:
        drama.genres.set(list(genres))
    if tropes is not None:
        drama.tropes.set(list(tropes))
    return drama


_RANGE_RE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def episode_numbers_parse(spec: str) -> list[int]:
    """Parse a numbered list such as "1-80, 85, 90-100" into sorted unique numbers."""
    numbers: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = _RANGE_RE.match(part)
        if not match:
            raise EpisodeNumbersError(f"'{part}' is not an episode number or a range such as 1-80.")
        start = int(match[1])
        end = int(match[2]) if match[2] else start
        if start < 1 or end < start:
            raise EpisodeNumbersError(f"'{part}': ranges go from 1 upwards, low to high.")
        if end - start >= MAX_EPISODES_PER_DRAMA:
            raise EpisodeNumbersError(f"'{part}': at most {MAX_EPISODES_PER_DRAMA} episodes at once.")
        numbers.update(range(start, end + 1))
    if not numbers:
        raise EpisodeNumbersError("No episode numbers given.")
    return sorted(numbers)


@transaction.atomic
def episode_bulk_create(
    *,
    drama: Drama,
    count: int | None = None,
    numbers: Iterable[int] | None = None,
    duration_seconds: int | None = None,
) -> list[Episode]:
    """Create many episodes at once: `count` more after the last one, or the given `numbers`.

    Numbers that already exist are skipped (idempotent); returns only the episodes created.
    """
    if (count is None) == (numbers is None):
        raise EpisodeNumbersError("Give either a count or a list of numbers.")
    # Lock the drama so two bulk creations cannot interleave their numbering.
    Drama.objects.select_for_update().filter(pk=drama.pk).first()
    existing = set(Episode.objects.filter(drama=drama).values_list("number", flat=True))
    if count is not None:
        if count < 1 or count > MAX_EPISODES_PER_DRAMA:
            raise EpisodeNumbersError(f"The count must be between 1 and {MAX_EPISODES_PER_DRAMA}.")
        start = max(existing, default=0) + 1
        wanted = list(range(start, start + count))
    else:
        assert numbers is not None  # exactly one of count and numbers is given (checked above)
        wanted = sorted(set(numbers))
        if not wanted or wanted[0] < 1:
            raise EpisodeNumbersError("Episode numbers start at 1.")
    if len(existing) + len(set(wanted) - existing) > MAX_EPISODES_PER_DRAMA:
        raise EpisodeNumbersError(f"A drama has at most {MAX_EPISODES_PER_DRAMA} episodes.")
    to_create = [
        Episode(drama=drama, number=number, duration_seconds=duration_seconds)
        for number in wanted
        if number not in existing
    ]
    Episode.objects.bulk_create(to_create, ignore_conflicts=True)
    Drama.objects.filter(pk=drama.pk).update(updated_at=timezone.now())
    return list(Episode.objects.filter(drama=drama, number__in=[e.number for e in to_create]))


def drama_transition_problems(*, drama: Drama, to_status: str) -> list[str]:
    """Why `drama` may not move to `to_status` now; an empty list means it may."""
    if drama.status == to_status:
        return [f"It is already {drama.get_status_display().lower()}."]
    allowed = TRANSITIONS.get(drama.status, frozenset())
    if to_status not in allowed:
        names = ", ".join(sorted(DramaStatus(s).label.lower() for s in allowed)) or "nothing"
        return [
            f"A {drama.get_status_display().lower()} drama can move to {names}, not {DramaStatus(to_status).label.lower()}."
        ]
    problems: list[str] = []
    if to_status in (DramaStatus.READY, DramaStatus.PUBLISHED):
        numbers = sorted(drama.episodes.values_list("number", flat=True))
        if not numbers:
            problems.append("It has no episodes.")
        elif numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
            shown = ", ".join(map(str, missing[:10])) + ("…" if len(missing) > 10 else "")
            problems.append(f"Episode numbers have gaps (missing {shown}).")
        if numbers and drama.free_episode_count > len(numbers):
            problems.append(f"{drama.free_episode_count} free episodes are more than its {len(numbers)} episodes.")
        from localization.translation.selectors import translation_ready_problem

        if problem := translation_ready_problem(drama):
            problems.append(problem)
    return problems


@transaction.atomic
def drama_transition(*, drama: Drama, to_status: str) -> Drama:
    """Move a drama through the workflow or raise DramaTransitionError naming every reason."""
    drama = Drama.objects.select_for_update().get(pk=drama.pk)
    problems = drama_transition_problems(drama=drama, to_status=to_status)
    if problems:
        code = (
            CatalogErrorCode.NOT_READY
            if to_status in TRANSITIONS.get(drama.status, frozenset())
            else CatalogErrorCode.INVALID_TRANSITION
        )
        raise DramaTransitionError(" ".join(problems), code=code, reasons=problems)
    now = timezone.now()
    drama.status = to_status
    if to_status == DramaStatus.PUBLISHED:
        drama.published_at = now
        drama.retired_at = None
    elif to_status == DramaStatus.RETIRED:
        drama.retired_at = now
    drama.save(update_fields=["status", "published_at", "retired_at", "updated_at"])
    return drama


@dataclass
class BulkTransitionResult:
    changed: list[Drama] = field(default_factory=list)
    refused: list[tuple[Drama, str]] = field(default_factory=list)


def drama_bulk_transition(*, dramas: Iterable[Drama], to_status: str) -> BulkTransitionResult:
    """Apply a transition to each drama on its own; one refusal does not stop the others."""
    result = BulkTransitionResult()
    for drama in dramas:
        try:
            result.changed.append(drama_transition(drama=drama, to_status=to_status))
        except DramaTransitionError as error:
            result.refused.append((drama, error.detail))
    return result


# --- Episode status ---------------------------------------------------------------------------

WITHHELD_REASON_MAX_LENGTH = Episode._meta.get_field("withheld_reason").max_length or 300


@transaction.atomic
def episode_status_set(
    *,
    episodes: Iterable[Episode],
    status: str,
    reason: str = "",
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> list[Episode]:
    """Make many episodes available or withheld at once; returns those whose status changed, by id.

    Episodes already in `status` are left as they are (their reason, date and author too), so a repeat is
    a no-op. Withholding keeps the reason, making available clears it; both record who and when. Each
    drama touched is marked updated, so the partner API's ETags, list caches and changes feed see the
    change at once, and the licensees of a published one are sent `title.updated`.
    """
    if status not in EpisodeStatus.values:
        raise EpisodeStatusError(
            f"'{status}' is not an episode status ({', '.join(EpisodeStatus.values)}).",
            fields={"status": ["Not an episode status."]},
        )
    reason = reason.strip() if status == EpisodeStatus.WITHHELD else ""
    if len(reason) > WITHHELD_REASON_MAX_LENGTH:
        raise EpisodeStatusError(
            f"The reason is longer than {WITHHELD_REASON_MAX_LENGTH} characters.",
            fields={"reason": [f"At most {WITHHELD_REASON_MAX_LENGTH} characters."]},
        )
    ids = [episode.pk for episode in episodes]
    # Locked in id order, so that two bulk changes over overlapping selections cannot deadlock; a row
    # another change has just moved to `status` is re-read after its lock and skipped.
    changed = list(
        Episode.objects.select_for_update(of=("self",))
        .select_related("drama")
        .filter(pk__in=ids)
        .exclude(status=status)
        .order_by("pk")
    )
    if not changed:
        return []
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    fields = {
        "status": status,
        "withheld_reason": reason,
        "status_changed_at": now,
        "status_changed_by_id": actor_id,
        "updated_at": now,
    }
    Episode.objects.filter(pk__in=[episode.pk for episode in changed]).update(**fields)
    for episode in changed:
        for name, value in fields.items():
            setattr(episode, name, value)
    dramas = {episode.drama_id: episode.drama for episode in changed}
    Drama.objects.filter(pk__in=dramas).update(updated_at=now)
    episode_status_webhooks_publish(
        dramas=[drama for drama in dramas.values() if drama.status == DramaStatus.PUBLISHED],
        episodes=changed,
        changed_at=now,
    )
    return changed


def episode_status_webhooks_publish(*, dramas: list[Drama], episodes: list[Episode], changed_at: dt.datetime) -> int:
    """Send `title.updated` for each drama to each organization holding a window out for it, naming the
    episodes whose status changed. Deliveries are queued with the caller's transaction (on commit)."""
    from partners.models import WebhookEventType
    from partners.webhooks import webhook_event_id, webhook_event_publish
    from rights.selectors import rights_licensees_of_dramas

    if not dramas:
        return 0
    licensees = rights_licensees_of_dramas(drama_ids=[drama.pk for drama in dramas])
    organizations = Organization.objects.in_bulk(set().union(*licensees.values()))
    by_drama: dict[int, list[Episode]] = {}
    for episode in episodes:
        by_drama.setdefault(episode.drama_id, []).append(episode)
    published = 0
    for drama in dramas:
        data = {
            "title_id": drama.pk,
            "episodes": [
                {"id": episode.pk, "number": episode.number, "status": episode.status}
                for episode in sorted(by_drama.get(drama.pk, []), key=lambda e: e.number)
            ],
            "occurred_at": changed_at.isoformat(),
        }
        for licensee_id in sorted(licensees.get(drama.pk, ())):
            webhook_event_publish(
                organization=organizations[licensee_id],
                event_type=WebhookEventType.TITLE_UPDATED,
                event_id=webhook_event_id(source="episode-status", key=f"{drama.pk}:{changed_at.isoformat()}"),
                data=data,
            )
            published += 1
    return published
