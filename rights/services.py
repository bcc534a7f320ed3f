"""Writes on rights windows: grant, update, revoke, and the state job's advance.

Every write keeps the window's territory rows in step (the database refuses overlaps there), checks
rights out against rights in, records an audit entry (who, when, before, after) and a change event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Drama
from localization.languages import normalize_tag
from migu_platform.errors import moment_text
from partners.geography import territories_expand
from partners.models import Channel, Organization, OrganizationKind, WebhookEventType
from partners.webhooks import webhook_event_id, webhook_event_publish, webhook_feed_position_lock
from rights.errors import (
    NoRightsInError,
    RightsInInUseError,
    RightsOverlapError,
    RightsStateError,
    RightsValidationError,
)
from rights.models import (
    IN_FORCE_STATUSES,
    RightsAudit,
    RightsDirection,
    RightsEvent,
    RightsEventKind,
    RightsStatus,
    RightsWindow,
    RightsWindowTerritory,
)

if TYPE_CHECKING:
    from partners.authentication import Actor

# Fields a caller may set on grant or change on update (everything else is derived or system-owned).
EDITABLE_FIELDS: tuple[str, ...] = (
    "episode_start",
    "episode_end",
    "channel",
    "territories",
    "territory_exclusions",
    "licence_type",
    "audio_languages",
    "subtitle_languages",
    "holdback_languages",
    "start",
    "end",
    "exclusive",
    "free_episode_count",
    "unlock_price",
    "currency",
    "status",
    "contract_id",
    "alid",
    "transaction_id",
)
# Statuses a caller may set; revoked goes through rights_window_revoke, expired is the state job's.
SETTABLE_STATUSES = (RightsStatus.PENDING.value, RightsStatus.APPROVED.value)
EXCLUSION_VIOLATION = "23P01"
UNIQUE_VIOLATION = "23505"
# Event ids must commit in id order for the feed cursor; one transaction-level lock serialises them.
EVENT_LOCK_KEY = 0x5249474854  # "RIGHT"


# --- normalisation and validation ------------------------------------------------------------


def _languages(values: Iterable[str] | None) -> list[str]:
    result: list[str] = []
    for value in values or ():
        tag = normalize_tag(value)
        if tag and tag not in result:
            result.append(tag)
    return result


def _territories(values: Iterable[str] | str | None, field: str, errors: dict[str, list[str]]) -> list[str]:
    if isinstance(values, str):
        values = [part for part in values.replace(";", ",").replace(" ", ",").split(",") if part]
    try:
        return territories_expand(list(values or ()))
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return []


def _normalise(changes: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    out = dict(changes)
    if "territories" in out:
        out["territories"] = _territories(out["territories"], "territories", errors)
    if "territory_exclusions" in out:
        out["territory_exclusions"] = _territories(out["territory_exclusions"], "territory_exclusions", errors)
    for field in ("audio_languages", "subtitle_languages", "holdback_languages"):
        if field in out:
            out[field] = _languages(out[field])
    if "currency" in out:
        out["currency"] = (out["currency"] or "").strip().upper()
    if "licence_type" in out and isinstance(out["licence_type"], str):
        out["licence_type"] = out["licence_type"].strip().upper()
    for field in ("contract_id", "alid", "transaction_id"):
        if field in out:
            out[field] = (out[field] or "").strip()
    if out.get("unlock_price") is not None and not isinstance(out["unlock_price"], Decimal):
        try:
            out["unlock_price"] = Decimal(str(out["unlock_price"]))
        except ArithmeticError:
            errors.setdefault("unlock_price", []).append("Not a decimal number.")
            out.pop("unlock_price")
    return out


def _window_validate(window: RightsWindow, errors: dict[str, list[str]]) -> None:
    """Field and cross-field checks; fills `errors` and raises RightsValidationError if any."""
    try:
        window.full_clean(exclude=["drama", "licensee", "channel"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    for field in ("start", "end"):
        value = getattr(window, field)
        if value is not None and timezone.is_naive(value):
            errors.setdefault(field, []).append("Give instants with a time zone (UTC).")
    if window.start and window.end and not errors.get("start") and not errors.get("end") and window.end <= window.start:
        errors.setdefault("end", []).append("The end (exclusive) must come after the start.")
    if window.territories and not window.effective_territories and "territories" not in errors:
        errors.setdefault("territory_exclusions", []).append("The exclusions leave no territory.")
    if not window.territories and "territories" not in errors:
        errors.setdefault("territories", []).append("Give at least one territory.")
    if (
        window.episode_start is not None
        and window.episode_end is not None
        and window.episode_end < window.episode_start
    ):
        errors.setdefault("episode_end", []).append("The episode range runs from low to high.")
    if window.unlock_price is not None and not window.currency:
        errors.setdefault("currency", []).append("An unlock price needs a currency (ISO 4217).")
    if window.currency and (len(window.currency) != 3 or not window.currency.isalpha()):
        errors.setdefault("currency", []).append("Use an ISO 4217 code such as USD.")
    licensee = window.licensee
    if window.direction == RightsDirection.IN and licensee.kind != OrganizationKind.LICENSOR:
        errors.setdefault("licensee", []).append("Rights in are acquired from a licensor.")
    if window.direction == RightsDirection.OUT and licensee.kind == OrganizationKind.LICENSOR:
        errors.setdefault("licensee", []).append("Rights out are granted to a partner platform or an operator.")
    if window.channel_id is not None:
        if window.direction == RightsDirection.IN:
            errors.setdefault("channel", []).append("Rights in are not per channel.")
        elif window.channel is not None and window.channel.organization_id != licensee.pk:
            errors.setdefault("channel", []).append("The channel must belong to the licensee.")
    if errors:
        raise RightsValidationError({field: list(dict.fromkeys(messages)) for field, messages in errors.items()})


# --- audit and events ------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rights_window_snapshot(window: RightsWindow) -> dict[str, Any]:
    """The window as a JSON-able dict (the audit's before/after)."""
    data = {
        "direction": window.direction,
        "drama": window.drama_id,
        "licensee": window.licensee_id,
    }
    for field in EDITABLE_FIELDS:
        attname = f"{field}_id" if field == "channel" else field
        data[field] = _json_value(getattr(window, attname))
    return data


def _actor_fields(actor: Actor) -> dict[str, Any]:
    if actor is None:
        return {"actor_label": "system"}
    if isinstance(actor, str):
        return {"actor_label": actor[:200]}
    organization = getattr(actor, "organization", None)
    api_key = getattr(actor, "api_key", None)
    if isinstance(organization, Organization) and api_key is not None:
        return {
            "actor_organization": organization,
            "actor_label": f"{organization.slug} (API key {api_key.prefix})",
        }
    if isinstance(actor, AbstractBaseUser) and actor.is_authenticated and actor.pk is not None:
        return {"actor_user": actor, "actor_label": actor.get_username()}
    return {"actor_label": str(actor)[:200]}


def _audit_record(
    *, window: RightsWindow, action: str, actor: Actor, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> RightsAudit:
    return RightsAudit.objects.create(window=window, action=action, before=before, after=after, **_actor_fields(actor))


def _event_record(*, window: RightsWindow, kind: str, occurred_at: dt.datetime | None = None) -> RightsEvent:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_LOCK_KEY])
    return RightsEvent.objects.create(
        kind=kind,
        window=window,
        direction=window.direction,
        drama_id=window.drama_id,
        licensee_id=window.licensee_id,
        channel_id=window.channel_id,
        territories=window.effective_territories,
        licence_type=window.licence_type,
        occurred_at=occurred_at or timezone.now(),
    )


# --- rights in cover -------------------------------------------------------------------------


def _episodes_within(inner: RightsWindow, outer: RightsWindow) -> bool:
    if outer.episode_start is not None and (inner.episode_start or 1) < outer.episode_start:
        return False
    if outer.episode_end is not None and (inner.episode_end is None or inner.episode_end > outer.episode_end):
        return False
    return True


def _language_list_within(out_list: list[str], out_hold: set[str], in_list: list[str], in_hold: set[str]) -> bool:
    """Languages the out window permits ⊆ those the in window permits (empty list: any language)."""
    if in_list:
        return bool(out_list) and set(out_list) - out_hold <= set(in_list) - in_hold
    if out_list:
        return not (set(out_list) - out_hold) & in_hold
    return in_hold <= out_hold


def _languages_within(out_window: RightsWindow, in_window: RightsWindow) -> bool:
    out_hold, in_hold = set(out_window.holdback_languages), set(in_window.holdback_languages)
    return _language_list_within(
        out_window.audio_languages, out_hold, in_window.audio_languages, in_hold
    ) and _language_list_within(out_window.subtitle_languages, out_hold, in_window.subtitle_languages, in_hold)


def _period_covered(
    intervals: list[tuple[dt.datetime, dt.datetime | None]], start: dt.datetime, end: dt.datetime | None
) -> bool:
    reached = start
    for in_start, in_end in sorted(intervals, key=lambda pair: pair[0]):
        if in_start > reached:
            break
        if in_end is None:
            return True
        reached = max(reached, in_end)
        if end is not None and reached >= end:
            return True
    return False


def _rights_in_windows(window: RightsWindow, *, lock: bool) -> list[RightsWindow]:
    """Rights in for the window's drama and licence type that touch its territories (locked FOR SHARE)."""
    sql = (
        "SELECT id FROM rights_rightswindow WHERE direction = 'in' AND drama_id = %s AND licence_type = %s "
        "AND status IN %s AND territories && %s::varchar[] ORDER BY id"
    )
    if lock:
        # Shared locks: concurrent grants read the same rights in; changing rights in waits for them.
        sql += " FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [window.drama_id, window.licence_type, tuple(IN_FORCE_STATUSES), window.effective_territories]
        )
        ids = [row[0] for row in cursor.fetchall()]
    return list(RightsWindow.objects.filter(id__in=ids).order_by("start", "id"))


def rights_in_missing_territories(window: RightsWindow, *, lock: bool = False) -> list[str]:
    """The territories of a window out that no rights in cover (licence type, episodes, period, languages)."""
    candidates = [
        in_window
        for in_window in _rights_in_windows(window, lock=lock)
        if _episodes_within(window, in_window) and _languages_within(window, in_window)
    ]
    missing = []
    for territory in window.effective_territories:
        intervals = [(w.start, w.end) for w in candidates if territory in w.effective_territories]
        if not _period_covered(intervals, window.start, window.end):
            missing.append(territory)
    return missing


def _rights_in_check(window: RightsWindow) -> None:
    if window.direction != RightsDirection.OUT or window.status == RightsStatus.REVOKED:
        return
    missing = rights_in_missing_territories(window, lock=True)
    if missing:
        raise NoRightsInError(
            f"No rights in cover this window in {', '.join(missing)} for {window.licence_type} from "
            f"{moment_text(window.start)} to {moment_text(window.end)} with these episodes and languages.",
            territories=missing,
        )


def _rights_in_dependents_check(in_window: RightsWindow, territories: list[str]) -> None:
    """After rights in changed: every window out they covered must still be covered."""
    dependents = (
        RightsWindow.objects.filter(
            direction=RightsDirection.OUT, drama_id=in_window.drama_id, status__in=SETTABLE_STATUSES
        )
        .filter(territories__overlap=territories)
        .select_related("licensee")
        .order_by("id")
    )
    uncovered = [out for out in dependents if rights_in_missing_territories(out)]
    if uncovered:
        ids = [out.pk for out in uncovered]
        named = "; ".join(
            f"to {out.licensee.name} ({out.licence_type}, from {moment_text(out.start)})" for out in uncovered[:10]
        ) + (f" and {len(uncovered) - 10} more" if len(uncovered) > 10 else "")
        raise RightsInInUseError(
            f"Windows out depend on these rights in ({named}); change or revoke them first.",
            windows=ids,
        )


# --- territory rows and the exclusion constraint ---------------------------------------------


def _overlap_conflict_find(window: RightsWindow) -> RightsWindow | None:
    rows = RightsWindowTerritory.objects.filter(
        blocking=True,
        drama_id=window.drama_id,
        licence_type=window.licence_type,
        territory__in=window.effective_territories,
    )
    rows = rows.exclude(window_id=window.pk).filter(Q(end__isnull=True) | Q(end__gt=window.start))
    if window.end is not None:
        rows = rows.filter(start__lt=window.end)
    if window.episode_start is not None:
        rows = rows.filter(Q(episode_end__isnull=True) | Q(episode_end__gte=window.episode_start))
    if window.episode_end is not None:
        rows = rows.filter(Q(episode_start__isnull=True) | Q(episode_start__lte=window.episode_end))
    if not window.exclusive:
        rows = rows.filter(exclusive=True)
    row = rows.select_related("window").order_by("window_id").first()
    return row.window if row else None


def _territory_rows(window: RightsWindow) -> list[RightsWindowTerritory]:
    return [
        RightsWindowTerritory(
            window=window,
            direction=window.direction,
            drama_id=window.drama_id,
            licensee_id=window.licensee_id,
            channel_id=window.channel_id,
            territory=territory,
            licence_type=window.licence_type,
            episode_start=window.episode_start,
            episode_end=window.episode_end,
            start=window.start,
            end=window.end,
            exclusive=window.exclusive,
            status=window.status,
            blocking=window.direction == RightsDirection.OUT and window.status != RightsStatus.REVOKED,
        )
        for territory in window.effective_territories
    ]


def _territory_rows_write(window: RightsWindow) -> None:
    """Replace the window's territory rows; turn the database's overlap refusal into RightsOverlapError."""
    try:
        with transaction.atomic():
            RightsWindowTerritory.objects.filter(window=window).delete()
            RightsWindowTerritory.objects.bulk_create(_territory_rows(window))
    except IntegrityError as exc:
        if getattr(exc.__cause__, "pgcode", None) != EXCLUSION_VIOLATION:
            raise
        raise _overlap_error([window]) from exc


def _overlap_error(windows: Sequence[RightsWindow]) -> RightsOverlapError:
    """The domain's error for an overlap the exclusion constraint refused, naming the first window out that
    one of `windows` meets. The constraint waited for the other transaction to commit, so the conflict is
    visible now; when none is found, the windows overlap one another."""
    subject = "This window" if len(windows) == 1 else "A window of these"
    for window in windows:
        conflict = _overlap_conflict_find(window)
        if conflict is None:
            continue
        kind = "an exclusive window" if conflict.exclusive else "a window"
        return RightsOverlapError(
            f"{subject} overlaps {kind} out to {conflict.licensee.name} "
            f"({conflict.licence_type}, {', '.join(sorted(set(conflict.effective_territories) & set(window.effective_territories)))}, "
            f"from {moment_text(conflict.start)} to {moment_text(conflict.end)}; window #{conflict.pk}).",
            conflicting_window=conflict.pk,
        )
    return RightsOverlapError(
        f"{subject} overlaps another window out for the same drama, territory and licence type.",
        conflicting_window=None,
    )


def _transaction_id_taken(exc: IntegrityError) -> bool:
    return getattr(exc.__cause__, "pgcode", None) == UNIQUE_VIOLATION and "transaction_id" in str(exc)


def _window_save(window: RightsWindow) -> None:
    try:
        with transaction.atomic():
            window.save()
    except IntegrityError as exc:
        if _transaction_id_taken(exc):
            other = RightsWindow.objects.filter(transaction_id=window.transaction_id).exclude(pk=window.pk).first()
            raise RightsValidationError(
                {"transaction_id": [f"Already used by window #{other.pk if other else '?'}."]}
            ) from exc
        raise


# --- services --------------------------------------------------------------------------------


def rights_window_grant(
    *,
    drama: Drama,
    licensee: Organization,
    direction: str = RightsDirection.OUT,
    territories: Iterable[str] | str,
    licence_type: str,
    start: dt.datetime,
    end: dt.datetime | None = None,
    exclusive: bool = False,
    territory_exclusions: Iterable[str] = (),
    episode_start: int | None = None,
    episode_end: int | None = None,
    channel: Channel | None = None,
    audio_languages: Iterable[str] = (),
    subtitle_languages: Iterable[str] = (),
    holdback_languages: Iterable[str] = (),
    free_episode_count: int | None = None,
    unlock_price: Decimal | str | None = None,
    currency: str = "",
    status: str = RightsStatus.APPROVED,
    contract_id: str = "",
    alid: str = "",
    transaction_id: str = "",
    actor: Actor = None,
) -> RightsWindow:
    """Create a window (rights in or out) and its territory rows.

    Region groups in `territories` expand to countries. Rights out must lie within rights in
    (NoRightsInError, `no_rights_in`) and may not overlap an exclusive window, nor be exclusive
    over another window (RightsOverlapError, `rights_overlap`, decided by PostgreSQL). Bad input
    raises RightsValidationError with messages per field. Nothing is written on any error.
    """
    errors: dict[str, list[str]] = {}
    if direction not in RightsDirection.values:
        errors["direction"] = [f"Use one of {', '.join(RightsDirection.values)}."]
    if status not in SETTABLE_STATUSES:
        errors["status"] = [f"A new window is {' or '.join(SETTABLE_STATUSES)}."]
    values = _normalise(
        {
            "territories": territories,
            "territory_exclusions": territory_exclusions,
            "licence_type": licence_type,
            "audio_languages": audio_languages,
            "subtitle_languages": subtitle_languages,
            "holdback_languages": holdback_languages,
            "currency": currency,
            "unlock_price": unlock_price,
            "contract_id": contract_id,
            "alid": alid,
            "transaction_id": transaction_id,
        },
        errors,
    )
    window = RightsWindow(
        direction=direction,
        drama=drama,
        licensee=licensee,
        channel=channel,
        start=start,
        end=end,
        exclusive=bool(exclusive),
        episode_start=episode_start,
        episode_end=episode_end,
        free_episode_count=free_episode_count,
        status=status,
        **values,
    )
    _window_validate(window, errors)
    with transaction.atomic():
        _window_save(window)
        _rights_in_check(window)
        _territory_rows_write(window)
        _audit_record(
            window=window,
            action=RightsEventKind.GRANTED,
            actor=actor,
            before=None,
            after=rights_window_snapshot(window),
        )
        _event_record(window=window, kind=RightsEventKind.GRANTED)
    return window


def rights_windows_grant(grants: Sequence[dict[str, Any]], *, actor: Actor = None) -> list[RightsWindow]:
    """Grant many windows at once: what `rights_window_grant` does for each, in a few statements.

    Each item holds `rights_window_grant`'s keyword arguments (but `actor`). All or nothing: the first
    refusal (bad input, no rights in, an overlap the exclusion constraint refuses, a TransactionID in
    use) raises and nothing is written; grant the windows one by one to learn which one and why.
    Audit entries and events are those of as many single grants, in the order given.
    """
    windows: list[RightsWindow] = []
    directions = RightsDirection.values
    for grant in grants:
        values = dict(grant)
        errors: dict[str, list[str]] = {}
        direction = values.pop("direction", RightsDirection.OUT)
        status = values.pop("status", RightsStatus.APPROVED)
        if direction not in directions:
            errors["direction"] = [f"Use one of {', '.join(directions)}."]
        if status not in SETTABLE_STATUSES:
            errors["status"] = [f"A new window is {' or '.join(SETTABLE_STATUSES)}."]
        fixed = {name: values.pop(name) for name in _GRANT_PLAIN_FIELDS if name in values}
        normalised = _normalise({**_GRANT_NORMALISED_DEFAULTS, **values}, errors)
        window = RightsWindow(
            direction=direction,
            status=status,
            exclusive=bool(fixed.pop("exclusive", False)),
            **fixed,
            **normalised,
        )
        _window_validate(window, errors)
        windows.append(window)
    if not windows:
        return windows
    with transaction.atomic():
        try:
            with transaction.atomic():
                RightsWindow.objects.bulk_create(windows)
        except IntegrityError as exc:
            if _transaction_id_taken(exc):
                raise RightsValidationError(
                    {"transaction_id": ["A TransactionID of these windows is already used (or given twice)."]}
                ) from exc
            raise
        for window in windows:
            _rights_in_check(window)
        try:
            with transaction.atomic():
                RightsWindowTerritory.objects.bulk_create(row for window in windows for row in _territory_rows(window))
        except IntegrityError as exc:
            if getattr(exc.__cause__, "pgcode", None) != EXCLUSION_VIOLATION:
                raise
            raise _overlap_error(windows) from exc
        RightsAudit.objects.bulk_create(
            RightsAudit(
                window=window,
                action=RightsEventKind.GRANTED,
                before=None,
                after=rights_window_snapshot(window),
                **_actor_fields(actor),
            )
            for window in windows
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_LOCK_KEY])
        now = timezone.now()
        RightsEvent.objects.bulk_create(
            RightsEvent(
                kind=RightsEventKind.GRANTED,
                window=window,
                direction=window.direction,
                drama_id=window.drama_id,
                licensee_id=window.licensee_id,
                channel_id=window.channel_id,
                territories=window.effective_territories,
                licence_type=window.licence_type,
                occurred_at=now,
            )
            for window in windows
        )
    return windows


# rights_windows_grant: arguments taken as given, and the normalised ones with their defaults.
_GRANT_PLAIN_FIELDS = (
    "drama",
    "licensee",
    "channel",
    "start",
    "end",
    "exclusive",
    "episode_start",
    "episode_end",
    "free_episode_count",
)
_GRANT_NORMALISED_DEFAULTS: dict[str, Any] = {
    "territories": (),
    "territory_exclusions": (),
    "licence_type": "",
    "audio_languages": (),
    "subtitle_languages": (),
    "holdback_languages": (),
    "currency": "",
    "unlock_price": None,
    "contract_id": "",
    "alid": "",
    "transaction_id": "",
}


def rights_window_update(*, window: RightsWindow, actor: Actor = None, **changes: Any) -> RightsWindow:
    """Change a window's terms (any of EDITABLE_FIELDS), with the same checks as a grant.

    Changing rights in re-checks every window out they cover (RightsInInUseError). A revoked
    window cannot change (RightsStateError). No change, no audit entry and no event.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise RightsValidationError({field: ["This field cannot be changed."] for field in unknown})
    errors: dict[str, list[str]] = {}
    if "status" in changes and changes["status"] not in SETTABLE_STATUSES:
        errors["status"] = [f"Set {' or '.join(SETTABLE_STATUSES)}; revoke to withdraw a window."]
    values = _normalise(changes, errors)
    with transaction.atomic():
        locked = RightsWindow.objects.select_for_update().select_related("drama", "licensee").get(pk=window.pk)
        if locked.status == RightsStatus.REVOKED:
            raise RightsStateError(f"Window #{locked.pk} is revoked and cannot change.")
        before = rights_window_snapshot(locked)
        old_territories = locked.effective_territories
        for field, value in values.items():
            setattr(locked, field, value)
        now = timezone.now()
        if locked.status == RightsStatus.EXPIRED and (locked.end is None or locked.end > now):
            # Extending an expired window brings it back in force.
            locked.status = RightsStatus.APPROVED
        if locked.live_since is not None and locked.start > now:
            # Moved back into the future: the state job records its start again when it comes.
            locked.live_since = None
        _window_validate(locked, errors)
        after = rights_window_snapshot(locked)
        if after == before:
            return locked
        _window_save(locked)
        _rights_in_check(locked)
        _territory_rows_write(locked)
        if locked.direction == RightsDirection.IN:
            _rights_in_dependents_check(locked, sorted(set(old_territories) | set(locked.effective_territories)))
        _audit_record(window=locked, action=RightsEventKind.UPDATED, actor=actor, before=before, after=after)
        _event_record(window=locked, kind=RightsEventKind.UPDATED)
    window.refresh_from_db()
    return window


def rights_window_revoke(*, window: RightsWindow, actor: Actor = None) -> RightsWindow:
    """Withdraw a window; its territory rows stop counting for overlaps and availability.

    Idempotent: revoking a revoked window changes nothing. Rights in that windows out still need
    are refused (RightsInInUseError).
    """
    with transaction.atomic():
        locked = RightsWindow.objects.select_for_update().select_related("drama", "licensee").get(pk=window.pk)
        if locked.status == RightsStatus.REVOKED:
            return locked
        before = rights_window_snapshot(locked)
        locked.status = RightsStatus.REVOKED
        locked.save(update_fields=["status", "updated_at"])
        RightsWindowTerritory.objects.filter(window=locked).update(status=RightsStatus.REVOKED, blocking=False)
        if locked.direction == RightsDirection.IN:
            _rights_in_dependents_check(locked, locked.effective_territories)
        _audit_record(
            window=locked,
            action=RightsEventKind.REVOKED,
            actor=actor,
            before=before,
            after=rights_window_snapshot(locked),
        )
        _event_record(window=locked, kind=RightsEventKind.REVOKED)
    window.refresh_from_db()
    return window


def rights_windows_advance(*, now: dt.datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """The state job: record windows that started, expire those that ended, with events.

    Rows locked by another run are skipped (SKIP LOCKED), so overlapping runs never double an event.
    """
    now = now or timezone.now()
    counts = {"started": 0, "ended": 0}
    with transaction.atomic():
        started = list(
            RightsWindow.objects.select_for_update(skip_locked=True)
            .filter(status=RightsStatus.APPROVED, live_since__isnull=True, start__lte=now)
            .filter(Q(end__isnull=True) | Q(end__gt=now))
            .order_by("start", "id")[:batch_size]
        )
        for window in started:
            before = rights_window_snapshot(window)
            window.live_since = now
            window.save(update_fields=["live_since", "updated_at"])
            _audit_record(
                window=window,
                action=RightsEventKind.STARTED,
                actor=None,
                before={**before, "live_since": None},
                after={**rights_window_snapshot(window), "live_since": now.isoformat()},
            )
            _event_record(window=window, kind=RightsEventKind.STARTED, occurred_at=window.start)
            counts["started"] += 1
        ended = list(
            RightsWindow.objects.select_for_update(skip_locked=True)
            .filter(status=RightsStatus.APPROVED, end__lte=now)
            .order_by("end", "id")[:batch_size]
        )
        for window in ended:
            before = rights_window_snapshot(window)
            window.status = RightsStatus.EXPIRED
            window.save(update_fields=["status", "updated_at"])
            RightsWindowTerritory.objects.filter(window=window).update(status=RightsStatus.EXPIRED)
            _audit_record(
                window=window,
                action=RightsEventKind.ENDED,
                actor=None,
                before=before,
                after=rights_window_snapshot(window),
            )
            _event_record(window=window, kind=RightsEventKind.ENDED, occurred_at=window.end)
            counts["ended"] += 1
    return counts


# --- Webhooks ---------------------------------------------------------------------------------

RIGHTS_EVENT_WEBHOOKS = {
    RightsEventKind.STARTED: WebhookEventType.TITLE_AVAILABLE,
    RightsEventKind.UPDATED: WebhookEventType.TITLE_UPDATED,
    RightsEventKind.ENDED: WebhookEventType.TITLE_WITHDRAWN,
    RightsEventKind.REVOKED: WebhookEventType.TITLE_WITHDRAWN,
}


@transaction.atomic
def rights_events_webhooks_publish(*, batch_size: int = 500) -> int:
    """Turn new rights events out into title.available / title.updated / title.withdrawn deliveries for the
    licensee's webhooks. A grant whose window has already started counts as available; a grant that starts
    later is announced by its `started` event. Event ids derive from the rights event, so a re-run never
    delivers twice."""
    position = webhook_feed_position_lock(source="rights_events")
    events = list(
        RightsEvent.objects.filter(direction=RightsDirection.OUT, id__gt=position.last_id)
        .select_related("window", "licensee")
        .order_by("id")[:batch_size]
    )
    now = timezone.now()
    published = 0
    for event in events:
        event_type = RIGHTS_EVENT_WEBHOOKS.get(RightsEventKind(event.kind))
        if event.kind == RightsEventKind.GRANTED and event.window.start <= now:
            event_type = WebhookEventType.TITLE_AVAILABLE
        if event_type is not None:
            webhook_event_publish(
                organization=event.licensee,
                event_type=event_type,
                event_id=webhook_event_id(source="rights-event", key=event.pk),
                data={
                    "title_id": event.drama_id,
                    "window_id": event.window_id,
                    "territories": list(event.territories),
                    "licence_type": event.licence_type,
                    "occurred_at": event.occurred_at.isoformat(),
                },
            )
            published += 1
        position.last_id = event.pk
    position.save(update_fields=["last_id", "updated_at"])
    return published
