"""Writes for EMA Avails: import a file onto rights windows (create, update, revoke), all or nothing.

The import parses first; a file with any invalid row writes nothing. Then every record is applied in
its own savepoint inside one transaction, so that each conflict the rights rules raise (an
exclusive overlap, no rights in) is reported against its row and the next rows are still tried;
if any row failed, or on a dry run, the whole transaction is rolled back. Records upsert by
TransactionID, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.identifiers import is_valid_eidr, validate_alid
from catalog.models import Drama, ExternalId, ExternalIdScheme
from catalog.selectors import dramas_titled_like
from catalog.services import drama_bulk_create, episode_bulk_create
from jobs.models import Job, JobKind
from jobs.runners import job_enqueue
from jobs.services import job_create, job_progress, job_progress_note
from localization.languages import is_valid_tag
from migu_platform.errors import DomainError
from partners.models import Organization, OrganizationKind
from partners.selectors import organizations_named_like
from partners.services import organization_create
from rights.errors import RightsValidationError
from rights.models import LicenceType, RightsDirection, RightsStatus, RightsWindow
from rights.services import rights_window_grant, rights_window_revoke, rights_window_update, rights_windows_grant

from . import vocabulary
from .errors import AvailsErrorCode, AvailsImportStateError, AvailsResolutionError
from .exporters import DRAMA_CONTENT_ID_PREFIX, WINDOW_TRANSACTION_PREFIX, drama_platform_alid
from .models import AvailsImport, AvailsImportStatus
from .parsers import avails_parse
from .records import AvailProblem, AvailRecord, ProblemsMixin

if TYPE_CHECKING:
    from partners.authentication import Actor

# How the rights services' field names read in an Avails file.
AVAILS_FIELD_NAMES = {
    "territories": "Territory",
    "territory_exclusions": "TerritoryExclusion",
    "licence_type": "LicenseType",
    "start": "Start",
    "end": "End",
    "audio_languages": "AllowedLanguage",
    "subtitle_languages": "AllowedLanguage",
    "holdback_languages": "HoldbackLanguage",
    "unlock_price": "PriceValue",
    "currency": "PriceCurrency",
    "licensee": "Licensee",
    "transaction_id": "TransactionID",
    "episode_start": "EpisodeNumber",
    "episode_end": "EpisodeNumber",
    "free_episode_count": "FreeEpisodes",
    "contract_id": "ContractID",
    "alid": "ALID",
    "status": "TitleStatus",
}
DRAMA_CONTENT_ID_RE = re.compile(re.escape(DRAMA_CONTENT_ID_PREFIX) + r"(\d+)")
# (records applied, records in all): called every PROGRESS_EVERY records by a long import.
ImportProgress = Callable[[int, int], None]
PROGRESS_EVERY = 200
LICENCE_TYPES = frozenset(LicenceType.values)
STATUS_FROM_EMA = {"Pending": RightsStatus.PENDING, "Approved": RightsStatus.APPROVED}
LIST_FIELDS = ("territories", "territory_exclusions", "audio_languages", "subtitle_languages", "holdback_languages")


class RowError(Exception):
    """A record the import cannot apply, named by its Avails field."""

    def __init__(self, field: str, reason: str, code: str = AvailsErrorCode.INVALID):
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.code = str(code)


@dataclass
class AvailsRowOutcome:
    """What the import did (or, on a dry run, would do) with one record."""

    location: str
    transaction_id: str
    action: str  # created, updated, unchanged, revoked, error
    window_id: int | None = None
    drama: str = ""
    licensee: str = ""
    changes: list[str] = field(default_factory=list)
    detail: str = ""
    # The deal as the row states it (the platform's reading once the row got that far).
    licensor: str = ""
    drama_new: bool = False  # the platform holds no such drama: created, or mapped at the confirm step
    licensee_new: bool = False
    licensor_new: bool = False
    territories: list[str] = field(default_factory=list)
    territory_exclusions: list[str] = field(default_factory=list)
    licence_type: str = ""
    start: str = ""  # ISO 8601, UTC; "" when the row gives none
    end: str = ""  # "" is an open end
    exclusive: bool = False
    episodes: str = ""
    unlock_price: str = ""
    currency: str = ""
    free_episode_count: int | None = None
    audio_languages: list[str] = field(default_factory=list)
    subtitle_languages: list[str] = field(default_factory=list)
    holdback_languages: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # of a refused row
    # Of a row refused as transaction_elsewhere only because its licensor's name is new (not mapped): that
    # name. Mapping it to the window's licensor (a re-preview) makes the row an update of that window.
    unmapped_licensor: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class AvailsImportReport(ProblemsMixin):
    """The outcome of an import or dry run: per-row actions, and every problem found."""

    source: str
    format: str = ""
    version: str = ""
    direction: str = RightsDirection.OUT
    dry_run: bool = False
    applied: bool = False
    outcomes: list[AvailsRowOutcome] = field(default_factory=list)
    problems: list[AvailProblem] = field(default_factory=list)
    created_dramas: list[str] = field(default_factory=list)
    created_episodes: int = 0
    created_organizations: list[str] = field(default_factory=list)
    # What the file names and the platform does not hold, by resolution key (see organization_resolution_key
    # and drama_resolution_key): the confirm step maps each to an existing object or creates it.
    unknown_organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown_dramas: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": 0, "revoked": 0, "errors": len(self.errors)}
        for outcome in self.outcomes:
            if outcome.action in counts and outcome.action != "errors":
                counts[outcome.action] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "version": self.version,
            "direction": self.direction,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "counts": self.counts,
            "outcomes": [o.as_dict() for o in self.outcomes],
            "problems": [p.as_dict() for p in self.problems],
            "created_dramas": self.created_dramas,
            "created_episodes": self.created_episodes,
            "created_organizations": self.created_organizations,
            "unknown_organizations": list(self.unknown_organizations.values()),
            "unknown_dramas": list(self.unknown_dramas.values()),
        }


# Records are read and checked in batches: one query per batch for each kind of lookup (TransactionIDs,
# partner title keys, EIDRs, ALIDs, platform content ids), and the windows the batch grants written
# together, with their new dramas, external ids and episodes.
BATCH_SIZE = 500
ROW_ERRORS = (RowError, DomainError, ValidationError, IntegrityError)


@dataclass
class _Pending:
    """What one row created; kept only if the row's savepoint commits."""

    dramas: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    episodes: int = 0
    warnings: list[AvailProblem] = field(default_factory=list)


@dataclass
class _NewDrama:
    """A drama a row needs and the platform does not hold: created when the row's window is granted."""

    drama: Drama
    key: str
    licensor: Organization
    creator: _Row


@dataclass
class _Row:
    """One record on its way: applied at once, or (a new window) granted with the rest of its batch."""

    record: AvailRecord
    outcome: AvailsRowOutcome
    pending: _Pending = field(default_factory=_Pending)
    problems: list[tuple[str, str, str]] | None = None
    grant: dict[str, Any] | None = None
    episodes: list[int] = field(default_factory=list)

    @property
    def grant_drama(self) -> Drama:
        assert self.grant is not None
        drama: Drama = self.grant["drama"]
        return drama


CREATE = "create"
# How many of the rows naming a new organization or drama are listed by location (all are counted).
LOCATIONS_LISTED = 10


def organization_resolution_key(*, kind: str, name: str) -> str:
    """How an organization the file names is keyed in the import's resolution: its role and its name."""
    return f"{kind}:{name.strip().lower()}"


def drama_resolution_key(*, licensor_name: str, work_key: str) -> str:
    """How a drama the file names is keyed in the import's resolution: its licensor's name and its work key."""
    return f"{licensor_name.strip().lower()}|{work_key}"


class _Importer:
    def __init__(
        self,
        report: AvailsImportReport,
        *,
        default_licensee: Organization | None,
        actor: Actor,
        resolution: dict[str, dict[str, str]] | None = None,
    ):
        self.report = report
        # None: what the file names and the platform lacks is created (and listed); else each such name
        # must have a choice here (an existing object's id, or CREATE), or its row is refused.
        self.resolution = resolution
        self.created_organization_ids: set[int] = set()
        self.unknown_drama_keys: dict[tuple[int, str], str] = {}
        self.created_drama_ids: set[int] = set()
        self.direction = report.direction
        self.default_licensee = default_licensee
        self.actor = actor
        self.organizations: dict[str, Organization] = {}
        self.dramas: dict[tuple[int, str], Drama] = {}
        self.now = timezone.now()
        # The batch's lookups, read in a few queries; a TransactionID in `transaction_ids` and not in
        # `windows` names no window.
        self.transaction_ids: set[str] = set()
        self.windows: dict[str, RightsWindow] = {}
        self.external: dict[tuple[int | None, str], Drama] = {}
        self.by_pk: dict[int, Drama] = {}
        self.by_eidr: dict[str, Drama] = {}
        self.by_alid: dict[str, Drama] = {}
        self.new_dramas: dict[int, _NewDrama] = {}  # by id() of the unsaved Drama
        # Rows read and not yet reported (in file order), and those among them whose window waits.
        self.rows: list[_Row] = []
        self.deferred: list[_Row] = []
        self.deferred_transaction_ids: set[str] = set()
        self.journal: list[tuple[dict[Any, Any], Any]] = []
        self.savepoint: str | None = None  # of the row being read, once it writes

    # --- per batch, per row ---------------------------------------------------------------------

    def run(self, records: list[AvailRecord], progress: ImportProgress | None = None) -> None:
        for first in range(0, len(records), BATCH_SIZE):
            batch = records[first : first + BATCH_SIZE]
            self.prefetch(batch)
            for number, record in enumerate(batch, first + 1):
                if progress is not None and number % PROGRESS_EVERY == 0:
                    progress(number, len(records))
                self.row(record)
            self.flush()
            # What the import keeps to the end (records, report, lookups) leaves the cyclic collector's
            # passes, whose cost would otherwise grow with the file; avails_import unfreezes it.
            gc.freeze()

    def row(self, record: AvailRecord) -> None:
        if self.deferred and self.may_touch_a_window(record):
            # Updates and revocations keep their place in the file's order after the grants before them.
            self.flush()
        row = _Row(record, AvailsRowOutcome(location=record.location, transaction_id=record.transaction_id, action=""))
        self.journal = []
        self.savepoint = None
        try:
            self.apply(row)
        except ROW_ERRORS as error:
            if self.savepoint is not None:
                transaction.savepoint_rollback(self.savepoint)
            self.undo()
            row.problems = _row_problems(error)
        else:
            if self.savepoint is not None:
                transaction.savepoint_commit(self.savepoint)
            if row.grant is not None:
                self.deferred.append(row)
                self.deferred_transaction_ids.add(record.transaction_id)
        self.rows.append(row)

    def may_touch_a_window(self, record: AvailRecord) -> bool:
        """Whether the record may read or change a window that exists or that this batch grants."""
        transaction_id = record.transaction_id
        return (
            not transaction_id
            or transaction_id in self.deferred_transaction_ids
            or transaction_id not in self.transaction_ids
            or transaction_id in self.windows
            or transaction_id.startswith(WINDOW_TRANSACTION_PREFIX)
            or record.entry_type == "Full Delete"
            or record.title_status == "Revoked"
        )

    def write_ahead(self) -> None:
        """Open the row's savepoint before its first write (a row that only reads needs none)."""
        if self.savepoint is None:
            self.savepoint = transaction.savepoint()

    def remember(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        """Cache a lookup; forgotten again if the row fails (what it created is rolled back)."""
        if key not in mapping:
            self.journal.append((mapping, key))
        mapping[key] = value

    def undo(self) -> None:
        for mapping, key in reversed(self.journal):
            mapping.pop(key, None)
        self.journal = []

    def fail(self, row: _Row, problems: list[tuple[str, str, str]]) -> None:
        record, outcome = row.record, row.outcome
        for field_name, reason, code in problems:
            self.report.problems.append(
                AvailProblem(file=record.source, location=record.location, field=field_name, reason=reason, code=code)
            )
        # The deal read so far stays on the row, so that the refusal is seen against it.
        outcome.action, outcome.window_id, outcome.changes = "error", None, []
        outcome.detail = " ".join(_sentence(reason) for _, reason, _ in problems)
        outcome.codes = list(dict.fromkeys(str(code) for _, _, code in problems))
        self.report.outcomes.append(outcome)

    @staticmethod
    def describe(outcome: AvailsRowOutcome, record: AvailRecord) -> None:
        """The deal as the file states it; `apply` replaces it with the platform's reading as it goes."""
        outcome.licensor, outcome.licensee = record.licensor.strip(), record.licensee.strip()
        outcome.drama = record.drama_title
        outcome.territories, outcome.territory_exclusions = list(record.territories), list(record.territory_exclusions)
        outcome.licence_type = record.license_type
        outcome.start = record.start.isoformat() if record.start else ""
        outcome.end = record.end.isoformat() if record.end else ""
        outcome.exclusive = record.exclusive
        outcome.audio_languages = list(record.audio_languages)
        outcome.subtitle_languages = list(record.subtitle_languages)
        outcome.holdback_languages = list(record.holdback_languages)
        outcome.free_episode_count = record.free_episode_count

    @staticmethod
    def describe_terms(outcome: AvailsRowOutcome, terms: dict[str, Any]) -> None:
        outcome.licence_type = terms["licence_type"]
        outcome.start = terms["start"].isoformat()
        outcome.end = terms["end"].isoformat() if terms["end"] else ""
        outcome.unlock_price = str(terms["unlock_price"]) if terms["unlock_price"] is not None else ""
        outcome.currency = terms["currency"]
        first, last = terms["episode_start"], terms["episode_end"]
        if first is not None or last is not None:
            outcome.episodes = f"{first or 1}" if first == last else f"{first or 1}–{last if last else 'last'}"

    def apply(self, row: _Row) -> None:
        record, outcome, pending = row.record, row.outcome, row.pending
        outcome.action = "unchanged"
        self.describe(outcome, record)
        existing = self.window_by_transaction_id(record.transaction_id)
        if record.entry_type == "Full Delete" or record.title_status == "Revoked":
            existing = existing or self.window_by_platform_id(record.transaction_id, record=record)
            if existing is None:
                outcome.detail = "Withdrawn avail for a window this platform does not hold; nothing to do."
                return
            outcome.window_id = existing.pk
            if existing.status != RightsStatus.REVOKED:
                self.write_ahead()
                rights_window_revoke(window=existing, actor=self.actor)
                outcome.action = "revoked"
            return
        licensor = self.organization(record.licensor, OrganizationKind.LICENSOR, "Licensor", record, pending)
        if self.direction == RightsDirection.OUT:
            if record.licensee:
                licensee = self.organization(record.licensee, OrganizationKind.PARTNER, "Licensee", record, pending)
            elif self.default_licensee is not None:
                licensee = self.default_licensee
            else:
                raise RowError(
                    "Licensee",
                    "The avail names no licensee (ServiceProvider / Licensee) and no default licensee was given.",
                    AvailsErrorCode.NO_LICENSEE,
                )
        else:
            licensee = licensor
        outcome.licensor, outcome.licensor_new = licensor.name, licensor.pk in self.created_organization_ids
        outcome.licensee, outcome.licensee_new = licensee.name, licensee.pk in self.created_organization_ids
        drama = self.drama(record, licensor, row)
        outcome.drama, outcome.drama_new = drama.original_title, drama.pk is None or drama.pk in self.created_drama_ids
        terms, episodes = self.terms(record, drama, pending)
        self.describe_terms(outcome, terms)
        if existing is None and drama.pk is not None:
            existing = self.window_by_platform_id(record.transaction_id, drama=drama, licensee=licensee)
        if existing is not None:
            if (existing.direction, existing.drama_id, existing.licensee_id) != (self.direction, drama.pk, licensee.pk):
                reason = (
                    f"TransactionID {record.transaction_id} is window #{existing.pk} ({existing.direction}, "
                    f"{existing.drama.original_title} to {existing.licensee.name}); an avail cannot move it elsewhere."
                )
                if outcome.licensor_new and existing.drama.owner_id != licensor.pk:
                    # Most likely the window's own licensor under a misspelt name: say how to fix it, and
                    # let the preview stand so that the name can be mapped (see avails_import_previewable).
                    outcome.unmapped_licensor = licensor.name
                    reason += (
                        f" The licensor '{licensor.name}' is not on this platform: if it means "
                        f"'{existing.drama.owner.name}', map it to that licensor and preview again."
                    )
                raise RowError("TransactionID", reason, AvailsErrorCode.TRANSACTION_ELSEWHERE)
            if episodes:
                self.write_ahead()
                pending.episodes += len(episode_bulk_create(drama=drama, numbers=episodes))
            outcome.window_id = existing.pk
            changes = self.changes(existing, terms)
            if changes:
                self.write_ahead()
                rights_window_update(window=existing, actor=self.actor, **changes)
                outcome.action, outcome.changes = "updated", sorted(changes)
            return
        # A new window: granted with the others of the batch (see flush).
        row.grant = {"drama": drama, "licensee": licensee, "direction": self.direction, **terms}
        row.grant["transaction_id"] = record.transaction_id
        row.episodes = episodes

    # --- the batch's grants ---------------------------------------------------------------------

    def flush(self) -> None:
        """Grant the waiting windows (with their new dramas and episodes) together; on any refusal,
        one by one, so that each refusal is reported against its row. Then report the rows read."""
        rows, self.deferred, self.deferred_transaction_ids = self.deferred, [], set()
        if rows:
            savepoint = transaction.savepoint()
            try:
                self.grant_together(rows)
            except ROW_ERRORS:
                transaction.savepoint_rollback(savepoint)
                for new in self.new_dramas.values():
                    new.drama.pk = None
                    new.drama._state.adding = True
                for row in rows:
                    row.pending.dramas, row.pending.episodes = [], 0
                self.grant_one_by_one(rows)
            else:
                transaction.savepoint_commit(savepoint)
            self.new_dramas = {}
        for row in self.rows:
            if row.problems is not None:
                self.fail(row, row.problems)
                continue
            self.report.outcomes.append(row.outcome)
            self.report.created_dramas.extend(row.pending.dramas)
            self.report.created_episodes += row.pending.episodes
            self.report.created_organizations.extend(row.pending.organizations)
            self.report.problems.extend(row.pending.warnings)
        self.rows = []

    def grant_together(self, rows: list[_Row]) -> None:
        new_dramas = list(self.new_dramas.values())
        drama_bulk_create([new.drama for new in new_dramas])
        ExternalId.objects.bulk_create(
            ExternalId(drama=new.drama, scheme=ExternalIdScheme.PARTNER, value=new.key, organization=new.licensor)
            for new in new_dramas
        )
        for new in new_dramas:
            new.creator.pending.dramas.append(new.drama.original_title)
        wanted: dict[int, tuple[Drama, set[int]]] = {}
        for row in rows:
            if row.episodes:
                drama = row.grant_drama
                wanted.setdefault(drama.pk, (drama, set()))[1].update(row.episodes)
        created: set[tuple[int, int]] = set()
        for drama, numbers in wanted.values():
            episodes = episode_bulk_create(drama=drama, numbers=numbers)
            created.update((drama.pk, episode.number) for episode in episodes)
        for row in rows:
            for number in row.episodes:
                if (row.grant_drama.pk, number) in created:
                    created.discard((row.grant_drama.pk, number))
                    row.pending.episodes += 1
        grants = [self.grant_terms(row) for row in rows]
        windows = rights_windows_grant(grants, actor=self.actor)
        for row, window in zip(rows, windows, strict=True):
            self.granted(row, window)

    def grant_one_by_one(self, rows: list[_Row]) -> None:
        for row in rows:
            savepoint = transaction.savepoint()
            drama = row.grant_drama
            created_here = drama.pk is None
            try:
                if created_here:
                    new = self.new_dramas[id(drama)]
                    drama_bulk_create([drama])
                    ExternalId.objects.create(
                        drama=drama, scheme=ExternalIdScheme.PARTNER, value=new.key, organization=new.licensor
                    )
                episodes = episode_bulk_create(drama=drama, numbers=row.episodes) if row.episodes else []
                window = rights_window_grant(**self.grant_terms(row), actor=self.actor)
            except ROW_ERRORS as error:
                transaction.savepoint_rollback(savepoint)
                if created_here:
                    drama.pk = None
                    drama._state.adding = True
                row.problems = _row_problems(error)
            else:
                transaction.savepoint_commit(savepoint)
                if created_here:
                    row.pending.dramas.append(drama.original_title)
                row.pending.episodes += len(episodes)
                self.granted(row, window)
        for new in self.new_dramas.values():
            if new.drama.pk is None:
                # Every row that wanted it was refused: later rows look the title up again.
                for mapping in (self.dramas, self.by_eidr, self.by_alid):
                    for key in [key for key, value in mapping.items() if value is new.drama]:
                        del mapping[key]

    def grant_terms(self, row: _Row) -> dict[str, Any]:
        assert row.grant is not None
        terms = dict(row.grant)
        if terms["alid"] and terms["alid"] == drama_platform_alid(terms["drama"]):
            terms["alid"] = ""  # the drama is new: its platform ALID is known only now
        return terms

    def granted(self, row: _Row, window: RightsWindow) -> None:
        row.outcome.action, row.outcome.window_id = "created", window.pk
        if row.outcome.drama_new:
            self.created_drama_ids.add(row.grant_drama.pk)
        self.windows[window.transaction_id] = window

    # --- lookups and creations ------------------------------------------------------------------

    def prefetch(self, batch: list[AvailRecord]) -> None:
        """Read what the batch's records name, a query per kind."""
        self.transaction_ids = {record.transaction_id for record in batch if record.transaction_id}
        self.windows = {
            window.transaction_id: window
            for window in RightsWindow.objects.select_related("drama", "drama__owner", "licensee")
            .exclude(transaction_id="")
            .filter(transaction_id__in=self.transaction_ids)
        }
        keys = {record.work_key[:200] for record in batch}
        self.external = {
            (external.organization_id, external.value): external.drama
            for external in ExternalId.objects.filter(scheme=ExternalIdScheme.PARTNER, value__in=keys).select_related(
                "drama"
            )
        }
        pks = set()
        for key in keys:
            match = DRAMA_CONTENT_ID_RE.fullmatch(key)
            if match:
                pks.add(int(match[1]))
        self.by_pk = {drama.pk: drama for drama in Drama.objects.filter(pk__in=pks)} if pks else {}
        eidrs = {record.eidr for record in batch if record.eidr and is_valid_eidr(record.eidr)}
        self.by_eidr = {drama.eidr: drama for drama in Drama.objects.filter(eidr__in=eidrs)} if eidrs else {}
        alids = {_valid_alid(record.alid) for record in batch if not record.is_tv} - {""}
        self.by_alid = {drama.alid: drama for drama in Drama.objects.filter(alid__in=alids)} if alids else {}

    def window_by_transaction_id(self, transaction_id: str) -> RightsWindow | None:
        if transaction_id and transaction_id in self.transaction_ids:
            return self.windows.get(transaction_id)
        return (
            RightsWindow.objects.select_related("drama", "drama__owner", "licensee")
            .filter(transaction_id=transaction_id)
            .first()
        )

    def window_by_platform_id(
        self,
        transaction_id: str,
        *,
        drama: Drama | None = None,
        licensee: Organization | None = None,
        record: AvailRecord | None = None,
    ) -> RightsWindow | None:
        """A window exported without a TransactionID of its own carries its id; it counts only between the same parties."""
        suffix = transaction_id.removeprefix(WINDOW_TRANSACTION_PREFIX)
        if suffix == transaction_id or not suffix.isdigit():
            return None
        windows = RightsWindow.objects.select_related("drama", "drama__owner", "licensee").filter(
            pk=int(suffix), transaction_id="", direction=self.direction
        )
        if drama is not None:
            return windows.filter(drama=drama, licensee=licensee).first()
        window = windows.first()
        if window is None or record is None:
            return None
        licensee_name = record.licensee or (self.default_licensee.name if self.default_licensee else "")
        same_licensor = window.drama.owner.name.lower() == record.licensor.strip().lower()
        same_licensee = (
            self.direction == RightsDirection.IN or window.licensee.name.lower() == licensee_name.strip().lower()
        )
        return window if same_licensor and same_licensee else None

    def organization(
        self, name: str, kind: str, field_name: str, record: AvailRecord, pending: _Pending
    ) -> Organization:
        key = name.strip().lower()
        if not key:
            raise RowError(field_name, f"{field_name} DisplayName is required.", AvailsErrorCode.REQUIRED)
        resolution_key = organization_resolution_key(kind=kind, name=name)
        unknown = self.report.unknown_organizations.get(resolution_key)
        if unknown is not None:
            _unknown_named_by(unknown, record)
        organization = self.organizations.get(key)
        if organization is None:
            organization = (
                Organization.objects.filter(name__iexact=name.strip()).order_by("id").first()
                or Organization.objects.filter(slug=slugify(name)[:64]).first()
            )
        if organization is None:
            if unknown is None:
                self.report.unknown_organizations[resolution_key] = {
                    "key": resolution_key,
                    "name": name.strip()[:200],
                    "kind": kind,
                    "field": field_name,
                    "rows": 1,
                    "locations": [record.location],
                }
            choice = self.choice("organizations", resolution_key, field_name, f"{field_name} '{name.strip()}'")
            if choice == CREATE:
                self.write_ahead()
                organization = organization_create(name=name.strip()[:200], slug=self.slug_for(name), kind=kind)
                self.created_organization_ids.add(organization.pk)
                pending.organizations.append(f"{organization.name} ({organization.get_kind_display()})")
            else:
                organization = Organization.objects.filter(pk=choice).first()
                if organization is None:
                    raise RowError(
                        field_name,
                        f"The organization chosen for {field_name} '{name.strip()}' no longer exists.",
                        AvailsErrorCode.UNRESOLVED_NAME,
                    )
        licensor_wanted = kind == OrganizationKind.LICENSOR
        if licensor_wanted != (organization.kind == OrganizationKind.LICENSOR):
            wanted = "a licensor" if licensor_wanted else "a partner platform or operator"
            raise RowError(
                field_name,
                f"'{organization.name}' is {organization.get_kind_display().lower()}, not {wanted}.",
                AvailsErrorCode.WRONG_ORGANIZATION_KIND,
            )
        self.remember(self.organizations, key, organization)
        return organization

    def choice(self, kind: str, resolution_key: str, field_name: str, what: str) -> str:
        """CREATE, or the id of the existing object chosen for a name the platform does not hold."""
        if self.resolution is None:
            return CREATE
        choice = self.resolution.get(kind, {}).get(resolution_key)
        if not choice:
            raise RowError(
                field_name,
                f"{what} is not on this platform and no choice was made for it: map it to an existing one or create it.",
                AvailsErrorCode.UNRESOLVED_NAME,
            )
        return str(choice)

    @staticmethod
    def slug_for(name: str) -> str:
        base = slugify(name)[:56] or "organization"
        slug, number = base, 1
        while Organization.objects.filter(slug=slug).exists():
            number += 1
            slug = f"{base}-{number}"
        return slug

    def drama(self, record: AvailRecord, licensor: Organization, row: _Row) -> Drama:
        key = record.work_key[:200]
        cached = self.dramas.get((licensor.pk, key))
        if cached is not None:
            resolution_key = self.unknown_drama_keys.get((licensor.pk, key))
            if resolution_key is not None and resolution_key in self.report.unknown_dramas:
                _unknown_named_by(self.report.unknown_dramas[resolution_key], record)
            return cached
        drama = None
        match = DRAMA_CONTENT_ID_RE.fullmatch(key)
        if match:
            # The platform's own content id names the drama, but only for the licensor that owns it.
            drama = self.by_pk.get(int(match[1]))
            if drama is not None and drama.owner_id != licensor.pk:
                drama = None
        if drama is None:
            drama = self.external.get((licensor.pk, key))
        eidr = record.eidr if record.eidr and is_valid_eidr(record.eidr) else ""
        if drama is None and eidr:
            drama = self.by_eidr.get(eidr)
        alid = "" if record.is_tv else _valid_alid(record.alid)
        if drama is None and alid:
            drama = self.by_alid.get(alid)
        if drama is None:
            drama = self.drama_unknown(record, licensor, row, key=key, eidr=eidr, alid=alid)
        self.remember(self.dramas, (licensor.pk, key), drama)
        return drama

    def drama_unknown(self, record: AvailRecord, licensor: Organization, row: _Row, **lookup: str) -> Drama:
        """A drama the platform does not hold: created (with its row's window), or the existing one chosen."""
        key = lookup["key"]
        resolution_key = drama_resolution_key(licensor_name=record.licensor, work_key=key)
        unknown = self.report.unknown_dramas.get(resolution_key)
        if unknown is None:
            self.report.unknown_dramas[resolution_key] = {
                "key": resolution_key,
                "title": record.drama_title[:300],
                "licensor": record.licensor.strip()[:200],
                "work_key": key,
                "rows": 1,
                "locations": [record.location],
            }
        else:
            _unknown_named_by(unknown, record)
        self.remember(self.unknown_drama_keys, (licensor.pk, key), resolution_key)
        choice = self.choice("dramas", resolution_key, "Title", f"The title '{record.drama_title}'")
        if choice != CREATE:
            drama = Drama.objects.filter(pk=choice).first()
            if drama is None:
                raise RowError(
                    "Title",
                    f"The drama chosen for '{record.drama_title}' no longer exists.",
                    AvailsErrorCode.UNRESOLVED_NAME,
                )
            # The licensor's key now names the chosen drama: the next file finds it without a choice.
            self.write_ahead()
            ExternalId.objects.get_or_create(
                drama=drama, scheme=ExternalIdScheme.PARTNER, value=key, organization=licensor
            )
            return drama
        drama = self.drama_new(record, licensor, **lookup)
        self.remember(self.new_dramas, id(drama), _NewDrama(drama=drama, key=key, licensor=licensor, creator=row))
        if drama.eidr:
            self.remember(self.by_eidr, drama.eidr, drama)
        if drama.alid:
            self.remember(self.by_alid, drama.alid, drama)
        return drama

    def drama_new(self, record: AvailRecord, licensor: Organization, *, key: str, eidr: str, alid: str) -> Drama:
        """The drama to create (when its row's window is granted); its EIDR and ALID are free (looked up)."""
        fields: dict[str, Any] = {}
        if eidr and eidr not in self.by_eidr:
            fields["eidr"] = eidr
        if alid and alid not in self.by_alid:
            fields["alid"] = alid
        if record.release_year and 1950 <= record.release_year <= 2100:
            fields["production_year"] = record.release_year
        if record.asset_language and is_valid_tag(record.asset_language):
            fields["original_language"] = record.asset_language
        return Drama(
            owner=licensor,
            original_title=record.drama_title[:300],
            format="vertical" if record.is_tv else "horizontal",
            **fields,
        )

    def terms(self, record: AvailRecord, drama: Drama, pending: _Pending) -> tuple[dict[str, Any], list[int]]:
        """The window's terms, and the episodes the avail names (created with the window)."""
        licence_type = vocabulary.LICENSE_TYPE_TO_PLATFORM.get(record.license_type, record.license_type)
        if licence_type not in LICENCE_TYPES:
            raise RowError(
                "LicenseType",
                f"LicenseType {record.license_type} is not licensed on this platform "
                f"(it licenses {', '.join(LicenceType.values)}; VOD is read as TVOD).",
                AvailsErrorCode.UNSUPPORTED_LICENSE_TYPE,
            )
        start = record.start
        if start is None:
            if record.start_condition != "Immediate":
                raise RowError(
                    "Start",
                    f"StartCondition {record.start_condition or '(none)'} cannot be placed in time; give a Start date.",
                    AvailsErrorCode.UNRESOLVED_DATE,
                )
            start = self.now
        if record.end is None and record.end_condition not in ("", "Open"):
            pending.warnings.append(
                AvailProblem(
                    file=record.source,
                    location=record.location,
                    field="End",
                    reason=f"EndCondition {record.end_condition} is kept as an open end.",
                    code=AvailsErrorCode.END_CONDITION_KEPT_OPEN,
                    severity="warning",
                )
            )
        episode_start = episode_end = None
        if record.work_type == "Episode" and record.episode_number is not None:
            episode_start = episode_end = record.episode_number
        elif record.episode_range:
            episode_start, episode_end = record.episode_range
        numbers: list[int] = []
        if episode_end is not None:
            numbers = list(range(episode_start or 1, episode_end + 1))
        elif record.work_type == "Season" and record.episode_count:
            numbers = list(range(1, record.episode_count + 1))
        unlock_price, currency = None, ""
        if record.price_type == "SRP" and record.price is not None:
            if record.price_currency:
                unlock_price, currency = record.price, record.price_currency
            else:
                pending.warnings.append(
                    AvailProblem(
                        file=record.source,
                        location=record.location,
                        field="PriceCurrency",
                        reason="An SRP without a currency is not kept as the unlock price.",
                        code=AvailsErrorCode.PRICE_WITHOUT_CURRENCY,
                        severity="warning",
                    )
                )
        alid = record.alid if record.alid != drama_platform_alid(drama) and record.alid != drama.alid else ""
        terms = {
            "territories": list(record.territories),
            "territory_exclusions": list(record.territory_exclusions),
            "licence_type": licence_type,
            "start": start,
            "end": record.end,
            "exclusive": record.exclusive,
            "episode_start": episode_start,
            "episode_end": episode_end,
            "audio_languages": list(record.audio_languages),
            "subtitle_languages": list(record.subtitle_languages),
            "holdback_languages": list(record.holdback_languages),
            "free_episode_count": record.free_episode_count,
            "unlock_price": unlock_price,
            "currency": currency,
            "status": STATUS_FROM_EMA.get(record.title_status, RightsStatus.APPROVED),
            "contract_id": record.contract_id[:100],
            "alid": alid[:200],
        }
        return terms, numbers

    def changes(self, window: RightsWindow, terms: dict[str, Any]) -> dict[str, Any]:
        """The terms that differ from the window's (order of lists and the state job's expiry do not count)."""
        changes: dict[str, Any] = {}
        for name, value in terms.items():
            current = getattr(window, name)
            if name in LIST_FIELDS:
                if set(current) != set(value):
                    changes[name] = value
            elif name == "status":
                if value == RightsStatus.APPROVED and current == RightsStatus.EXPIRED:
                    continue
                if current != value:
                    changes[name] = value
            elif name == "unlock_price":
                if (current is None) != (value is None) or (current is not None and Decimal(current) != value):
                    changes[name] = value
            elif name == "alid":
                if value and value != current:
                    changes[name] = value
            elif current != value:
                changes[name] = value
        return changes


def _unknown_named_by(entry: dict[str, Any], record: AvailRecord) -> None:
    """Count another row naming a new organization or drama (and list where it is, up to LOCATIONS_LISTED)."""
    entry["rows"] += 1
    if len(entry["locations"]) < LOCATIONS_LISTED:
        entry["locations"].append(record.location)


def _row_problems(error: Exception) -> list[tuple[str, str, str]]:
    """(Avails field, reason, code) for each thing wrong with a row, from whichever layer refused it."""
    if isinstance(error, RowError):
        return [(error.field, error.reason, error.code)]
    if isinstance(error, RightsValidationError):
        return [
            (AVAILS_FIELD_NAMES.get(name, name), message, error.code)
            for name, messages in error.fields.items()
            for message in messages
        ]
    if isinstance(error, DomainError):
        return [("Transaction", error.detail, error.code)]
    if isinstance(error, ValidationError):
        return [("Asset", message, AvailsErrorCode.INVALID) for message in error.messages]
    # A constraint another writer tripped between our read and our write (e.g. the same TransactionID
    # imported concurrently): the row is refused, the file is not half-imported.
    return [("Transaction", f"The database refused this row: {error}", AvailsErrorCode.ROW_REFUSED_BY_DATABASE)]


def _sentence(reason: str) -> str:
    reason = reason.strip()
    return reason if reason.endswith((".", "?", "!")) else f"{reason}."


def _valid_alid(value: str) -> str:
    try:
        validate_alid(value)
    except ValidationError:
        return ""
    return value


def avails_import(
    *,
    data: bytes,
    source: str,
    direction: str = RightsDirection.OUT,
    default_licensee: Organization | None = None,
    dry_run: bool = False,
    actor: Actor = None,
    progress: ImportProgress | None = None,
    resolution: dict[str, dict[str, str]] | None = None,
) -> AvailsImportReport:
    """Import an EMA Avails file (XML or .xlsx) onto rights windows, all or nothing.

    Rights out by default: the licensee is the avail's ServiceProvider / Licensee, else
    `default_licensee`. Rights in: the avail's Licensor is the licensee. Organizations and dramas the
    file names and the platform does not hold are listed in the report (`unknown_organizations`,
    `unknown_dramas`); with a `resolution` ({"organizations": {key: id or "create"}, "dramas": {...}},
    keyed by organization_resolution_key / drama_resolution_key) each is mapped to the existing object
    chosen or created, and a row naming one without a choice is refused; without one each is created,
    which only a dry run listing the names (the preview) and callers that create by design (tests, the
    benchmark's throwaway database) do: the admin's confirm, the `avails_import` job and
    `manage.py import_avails` always pass the resolution avails_import_resolution checked. Episodes the
    avails name are created. With any parse error nothing
    is attempted; with any row refused (reported against its row) or on a dry run, everything is
    rolled back. The report says what was (or would be) created, updated, unchanged.
    """
    if direction not in RightsDirection.values:
        raise ValueError(f"direction must be one of {RightsDirection.values}")
    parsed = avails_parse(data, source=source)
    report = AvailsImportReport(
        source=source, format=parsed.format, version=parsed.version, direction=direction, dry_run=dry_run
    )
    report.problems.extend(parsed.problems)
    if parsed.errors:
        return report
    gc.freeze()  # the parsed records live to the end (see _Importer.run)
    try:
        with transaction.atomic():
            importer = _Importer(report, default_licensee=default_licensee, actor=actor, resolution=resolution)
            importer.run(parsed.records, progress)
            if report.errors or dry_run:
                transaction.set_rollback(True)
                for outcome in report.outcomes:
                    if outcome.action == "created":
                        outcome.window_id = None  # the id was rolled back with the window
            else:
                report.applied = True
    finally:
        gc.unfreeze()
    return report


def avails_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def avails_import_preview(
    *, upload_name: str, data: bytes, direction: str, default_licensee: Organization | None, user: User | AnonymousUser
) -> AvailsImport:
    """Store an uploaded Avails file with the report of its dry run (nothing else is written).

    A file over MIGU_AVAILS_INLINE_MAX_BYTES is stored QUEUED and its dry run is an `avails_import` job.
    """
    if len(data) > settings.MIGU_AVAILS_INLINE_MAX_BYTES:
        with transaction.atomic():
            record = AvailsImport(
                original_name=upload_name[:255],
                sha256=avails_sha256(data),
                direction=direction,
                default_licensee=default_licensee,
                uploaded_by=user if isinstance(user, User) and user.pk else None,
                status=AvailsImportStatus.QUEUED,
            )
            record.file.save(Path(upload_name).name, ContentFile(data), save=False)
            record.save()
            _import_job_start(record, apply=False, user=user)
        return record
    report = avails_import(
        data=data, source=upload_name, direction=direction, default_licensee=default_licensee, dry_run=True
    )
    record = AvailsImport(
        original_name=upload_name[:255],
        sha256=avails_sha256(data),
        direction=direction,
        default_licensee=default_licensee,
        uploaded_by=user if isinstance(user, User) and user.pk else None,
    )
    _import_record_fill(
        record,
        report,
        status=AvailsImportStatus.PREVIEWED if avails_import_previewable(report) else AvailsImportStatus.REFUSED,
    )
    with transaction.atomic():
        record.file.save(Path(upload_name).name, ContentFile(data), save=False)
        record.save()
    return record


def avails_import_confirm(
    *,
    avails_import_record: AvailsImport,
    user: User | AnonymousUser,
    resolution_token: str = "",
    organization_choices: Sequence[str] = (),
    drama_choices: Sequence[str] = (),
    create_unmapped_organizations: bool = False,
    create_unmapped_dramas: bool = False,
) -> AvailsImport:
    """Apply a previewed upload from its stored bytes; refuses anything but a clean preview.

    When the preview listed organizations or dramas the file would create, the confirm carries a choice
    for each (`organization_choices` and `drama_choices`, in the preview's order: an existing object's
    id, or "create"; left empty, "create" when `create_unmapped_organizations` / `create_unmapped_dramas`
    is ticked, for a file that brings a new catalogue) and the `resolution_token` the preview was rendered
    with (avails_import_resolution_token), which ties those lists to this upload, its file and the user.
    Nothing is created or applied without a choice for every name (AvailsResolutionError); the choices
    are kept on the upload, and the import maps each name as chosen.
    """
    with transaction.atomic():
        record = AvailsImport.objects.select_for_update().get(pk=avails_import_record.pk)
        if record.status != AvailsImportStatus.PREVIEWED:
            raise AvailsImportStateError(
                f"This upload is {record.get_status_display().lower()}; only a clean preview can be applied."
            )
        record.resolution = _resolution_read(
            record,
            user=user,
            token=resolution_token,
            organization_choices=list(organization_choices),
            drama_choices=list(drama_choices),
            create_unmapped_organizations=create_unmapped_organizations,
            create_unmapped_dramas=create_unmapped_dramas,
        )
        if record.file.size > settings.MIGU_AVAILS_INLINE_MAX_BYTES:
            record.status = AvailsImportStatus.QUEUED
            record.save(update_fields=["status", "resolution"])
            _import_job_start(record, apply=True, user=user)
            return record
        data = _stored_bytes(record)
        report = avails_import(
            data=data,
            source=record.original_name,
            direction=record.direction,
            default_licensee=record.default_licensee,
            actor=user,
            resolution=record.resolution,
        )
        _import_record_fill(
            record, report, status=AvailsImportStatus.APPLIED if report.applied else AvailsImportStatus.REFUSED
        )
        if report.applied:
            record.applied_at = timezone.now()
        record.save()
    return record


RESOLUTION_SALT = "avails.import.resolution"


def _resolution_keys(record: AvailsImport) -> tuple[list[str], list[str]]:
    report = record.report or {}
    return (
        [entry["key"] for entry in report.get("unknown_organizations", [])],
        [entry["key"] for entry in report.get("unknown_dramas", [])],
    )


def avails_import_resolution_token(*, avails_import_record: AvailsImport, user: User | AnonymousUser) -> str:
    """The signed token a preview's choice form carries: this upload, its file's checksum, the user, and the
    names to choose for, in order. The confirm refuses a token of another upload, file or user, or altered."""
    organizations, dramas = _resolution_keys(avails_import_record)
    payload = {
        "import": avails_import_record.pk,
        "sha256": avails_import_record.sha256,
        "user": user.pk if isinstance(user, User) else None,
        "organizations": organizations,
        "dramas": dramas,
    }
    return signing.dumps(payload, salt=RESOLUTION_SALT, compress=True)


def _resolution_read(
    record: AvailsImport,
    *,
    user: User | AnonymousUser,
    token: str,
    organization_choices: list[str],
    drama_choices: list[str],
    create_unmapped_organizations: bool,
    create_unmapped_dramas: bool,
) -> dict[str, dict[str, str]]:
    """The choices for the preview's new names, checked: signed for this upload, one for each, of existing objects."""
    organizations, dramas = _resolution_keys(record)
    if not organizations and not dramas:
        return {"organizations": {}, "dramas": {}}
    if not token:
        names = [_organization_label(entry) for entry in record.report["unknown_organizations"]]
        names += [_drama_label(entry) for entry in record.report["unknown_dramas"]]
        raise AvailsResolutionError(
            "Nothing was imported: choose an existing one or tick create for each name the file would create "
            f"({'; '.join(names)}).",
            code=AvailsErrorCode.RESOLUTION_REQUIRED,
        )
    organization_choice, drama_choice = _resolution_form_read(
        record, user=user, token=token, organization_choices=organization_choices, drama_choices=drama_choices
    )
    return avails_import_resolution(
        unknown_organizations=record.report["unknown_organizations"],
        unknown_dramas=record.report["unknown_dramas"],
        organization_choices=organization_choice,
        drama_choices=drama_choice,
        create_unmapped_organizations=create_unmapped_organizations,
        create_unmapped_dramas=create_unmapped_dramas,
    )


def _resolution_form_read(
    record: AvailsImport,
    *,
    user: User | AnonymousUser,
    token: str,
    organization_choices: list[str],
    drama_choices: list[str],
) -> tuple[dict[str, str], dict[str, str]]:
    """The choice form's lists as choices keyed by the names' resolution keys, once its signed token is
    checked: this upload, its file's checksum, this user, the names as listed, and not too old."""
    organizations, dramas = _resolution_keys(record)
    try:
        payload = signing.loads(token, salt=RESOLUTION_SALT, max_age=settings.MIGU_AVAILS_RESOLUTION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise AvailsResolutionError("The choice form has expired; open the preview again and choose again.") from error
    except signing.BadSignature as error:
        raise AvailsResolutionError(
            "The choice form was altered or does not come from this preview; open the preview again."
        ) from error
    expected = {
        "import": record.pk,
        "sha256": record.sha256,
        "user": user.pk if isinstance(user, User) else None,
        "organizations": organizations,
        "dramas": dramas,
    }
    if payload != expected:
        raise AvailsResolutionError(
            "The choice form belongs to another upload, file or user; open this upload's preview and choose again."
        )
    if len(organization_choices) != len(organizations) or len(drama_choices) != len(dramas):
        raise AvailsResolutionError("The choice form does not list this upload's names; open the preview again.")
    return (
        dict(zip(organizations, organization_choices, strict=True)),
        dict(zip(dramas, drama_choices, strict=True)),
    )


def _organization_label(entry: Mapping[str, Any]) -> str:
    return f"{entry['name']} ({entry['field'].lower()})"


def _drama_label(entry: Mapping[str, Any]) -> str:
    return f"{entry['title']} (drama of {entry['licensor']})"


def avails_import_resolution(
    *,
    unknown_organizations: Sequence[Mapping[str, Any]],
    unknown_dramas: Sequence[Mapping[str, Any]],
    organization_choices: Mapping[str, str],
    drama_choices: Mapping[str, str],
    create_unmapped_organizations: bool = False,
    create_unmapped_dramas: bool = False,
) -> dict[str, dict[str, str]]:
    """The resolution avails_import maps a file's new names by, checked against the platform.

    `unknown_organizations` and `unknown_dramas` are the entries a dry run listed (AvailsImportReport);
    the choices are keyed by each entry's resolution key, a choice being an existing object's id or
    CREATE ("" or absent: none; CREATE when `create_unmapped_*` is set). Refuses, naming each, a name
    left without a choice (RESOLUTION_REQUIRED), and an organization that does not exist or is not of
    the entry's role (a licensor for a licensor; a partner or operator for a licensee) or a drama that
    does not exist (RESOLUTION_INVALID). The admin's confirm and `manage.py import_avails` both call it.
    """
    missing: list[str] = []
    wrong: list[str] = []
    chosen: dict[str, dict[str, str]] = {"organizations": {}, "dramas": {}}

    def choice_of(choices: Mapping[str, str], key: str, create_unmapped: bool) -> str:
        return str(choices.get(key) or "").strip() or (CREATE if create_unmapped else "")

    wanted = [choice_of(organization_choices, e["key"], create_unmapped_organizations) for e in unknown_organizations]
    existing_organizations = Organization.objects.in_bulk([int(choice) for choice in wanted if choice.isdigit()])
    for entry, choice in zip(unknown_organizations, wanted, strict=True):
        label = _organization_label(entry)
        if not choice:
            missing.append(label)
        elif choice == CREATE:
            chosen["organizations"][entry["key"]] = CREATE
        else:
            organization = existing_organizations.get(int(choice)) if choice.isdigit() else None
            licensor_wanted = entry["kind"] == OrganizationKind.LICENSOR
            if organization is None:
                wrong.append(f"{label}: no organization #{choice}")
            elif (organization.kind == OrganizationKind.LICENSOR) != licensor_wanted:
                role = "a licensor" if licensor_wanted else "a partner platform or operator"
                wrong.append(f"{label}: '{organization.name}' is {organization.get_kind_display().lower()}, not {role}")
            else:
                chosen["organizations"][entry["key"]] = str(organization.pk)
    wanted = [choice_of(drama_choices, e["key"], create_unmapped_dramas) for e in unknown_dramas]
    existing_dramas = Drama.objects.in_bulk([int(choice) for choice in wanted if choice.isdigit()])
    for entry, choice in zip(unknown_dramas, wanted, strict=True):
        label = _drama_label(entry)
        if not choice:
            missing.append(label)
        elif choice == CREATE:
            chosen["dramas"][entry["key"]] = CREATE
        elif choice.isdigit() and int(choice) in existing_dramas:
            chosen["dramas"][entry["key"]] = choice
        else:
            wrong.append(f"{label}: no drama #{choice}")
    if wrong:
        raise AvailsResolutionError(
            f"Nothing was imported: a choice is not an existing organization of that role or an existing drama "
            f"({'; '.join(wrong)})."
        )
    if missing:
        raise AvailsResolutionError(
            "Nothing was imported: choose an existing one or tick create for each name the file would create "
            f"({'; '.join(missing)}).",
            code=AvailsErrorCode.RESOLUTION_REQUIRED,
        )
    return chosen


def avails_import_previewable(report: AvailsImportReport) -> bool:
    """Whether a dry run's report can be confirmed (after choices): no errors, or only rows refused as
    transaction_elsewhere because their licensor's name is new, which mapping that name may make updates."""
    pending = sum(1 for outcome in report.outcomes if outcome.action == "error" and outcome.unmapped_licensor)
    return len(report.errors) == pending


def _mapped_only(choices: Mapping[str, Mapping[str, str]] | None) -> dict[str, dict[str, str]]:
    """Of a resolution, the names mapped to an existing object (not those created); {} when none is."""
    mapped = {
        kind: {key: choice for key, choice in (choices or {}).get(kind, {}).items() if choice and choice != CREATE}
        for kind in ("organizations", "dramas")
    }
    return mapped if mapped["organizations"] or mapped["dramas"] else {}


def avails_import_remapped_listing(
    *,
    data: bytes,
    source: str,
    direction: str,
    default_licensee: Organization | None,
    unknown_organizations: Sequence[Mapping[str, Any]],
    unknown_dramas: Sequence[Mapping[str, Any]],
    organization_choices: Mapping[str, str],
    drama_choices: Mapping[str, str],
) -> AvailsImportReport | None:
    """The preview's dry run again, with the names mapped so far read as the existing objects chosen.

    A licensor mapped changes what the rest of the file means: its dramas may be ones the platform holds
    for that licensor (found by their content id, and then no longer listed as new), and its TransactionIDs
    that licensor's windows (updated, not refused as transaction_elsewhere). Names left unmapped (or to be
    created) are created in this dry run, as in the first. The choices are checked first
    (avails_import_resolution: AvailsResolutionError for a choice that is not an existing object of that
    role). None when nothing is mapped (the first dry run stands). The admin's re-preview and
    `manage.py import_avails` both call it.
    """
    mapped = _mapped_only({"organizations": dict(organization_choices), "dramas": dict(drama_choices)})
    if not mapped:
        return None
    provisional = avails_import_resolution(
        unknown_organizations=unknown_organizations,
        unknown_dramas=unknown_dramas,
        organization_choices=mapped["organizations"],
        drama_choices=mapped["dramas"],
        create_unmapped_organizations=True,
        create_unmapped_dramas=True,
    )
    return avails_import(
        data=data,
        source=source,
        direction=direction,
        default_licensee=default_licensee,
        dry_run=True,
        resolution=provisional,
    )


def _choices_mark(report: dict[str, Any], resolution: Mapping[str, Mapping[str, str]]) -> None:
    """Note on each name a report lists the existing object chosen for it so far (the form shows it chosen);
    a name the dry run created for want of a choice is left to choose."""
    resolution = _mapped_only(resolution)
    for kind, entries in (("organizations", "unknown_organizations"), ("dramas", "unknown_dramas")):
        for entry in report.get(entries, []):
            entry["choice"] = str(resolution.get(kind, {}).get(entry["key"], ""))


def avails_import_repreview(
    *,
    avails_import_record: AvailsImport,
    user: User | AnonymousUser,
    resolution_token: str,
    organization_choices: Sequence[str],
    drama_choices: Sequence[str],
) -> AvailsImport:
    """Preview a previewed upload again with the existing organizations and dramas chosen so far.

    The choices come from the preview's form, in its order, with the token it was rendered with (checked
    as the confirm checks it: this upload, its file, this user, not too old). The names mapped are read
    as the existing objects (avails_import_remapped_listing): a misspelt licensor mapped to the real one
    turns its rows into updates or unchanged rows of that licensor's windows, and its dramas the platform
    holds are no longer listed. The new report replaces the upload's (with a new list of names, so a new
    token), each name keeping the choice made; the upload stays PREVIEWED unless a row is refused. A file
    over MIGU_AVAILS_INLINE_MAX_BYTES is previewed again by an `avails_import` job. Nothing is written
    but the upload's record.
    """
    with transaction.atomic():
        record = AvailsImport.objects.select_for_update().get(pk=avails_import_record.pk)
        if record.status != AvailsImportStatus.PREVIEWED:
            raise AvailsImportStateError(
                f"This upload is {record.get_status_display().lower()}; only a preview can be previewed again."
            )
        organizations, dramas = _resolution_keys(record)
        if not organizations and not dramas:
            raise AvailsResolutionError("This upload names nothing new; there is nothing to map.")
        organization_choice, drama_choice = _resolution_form_read(
            record,
            user=user,
            token=resolution_token,
            organization_choices=list(organization_choices),
            drama_choices=list(drama_choices),
        )
        if not _mapped_only({"organizations": organization_choice, "dramas": drama_choice}):
            raise AvailsResolutionError(
                "Nothing was mapped: pick the existing organization or drama a name means, then preview again.",
                code=AvailsErrorCode.RESOLUTION_REQUIRED,
            )
        # Checked now (not only by the listing), so that a large file's job starts from valid choices: the
        # names mapped, and every other created in the dry run (as in the first).
        provisional = avails_import_resolution(
            unknown_organizations=record.report["unknown_organizations"],
            unknown_dramas=record.report["unknown_dramas"],
            organization_choices=organization_choice,
            drama_choices=drama_choice,
            create_unmapped_organizations=True,
            create_unmapped_dramas=True,
        )
        if record.file.size > settings.MIGU_AVAILS_INLINE_MAX_BYTES:
            record.resolution = provisional
            record.status = AvailsImportStatus.QUEUED
            record.save(update_fields=["status", "resolution"])
            _import_job_start(record, apply=False, user=user)
            return record
        report = avails_import_remapped_listing(
            data=_stored_bytes(record),
            source=record.original_name,
            direction=record.direction,
            default_licensee=record.default_licensee,
            unknown_organizations=record.report["unknown_organizations"],
            unknown_dramas=record.report["unknown_dramas"],
            organization_choices=organization_choice,
            drama_choices=drama_choice,
        )
        assert report is not None  # something is mapped (checked above)
        _import_record_fill(
            record,
            report,
            status=AvailsImportStatus.PREVIEWED if avails_import_previewable(report) else AvailsImportStatus.REFUSED,
        )
        record.resolution = provisional
        _choices_mark(record.report, provisional)
        record.save()
    return record


@dataclass
class AvailsChoicesImport:
    """What avails_import_with_choices did with a file and the choices made for its new names.

    `listing` is None when the file names nothing the platform lacks (imported in one pass); else the
    names (AvailsImportReport.as_dict's unknown_organizations and unknown_dramas, each with its rows,
    its choice and, when a choice is missing or on a dry run, the closest existing names). `refusal` is
    the choices' refusal, if any (nothing written). `unused_*` are the mappings given for names the file
    does not give as new.
    """

    report: AvailsImportReport
    listing: dict[str, Any] | None = None
    refusal: AvailsResolutionError | None = None
    unused_organization_names: list[str] = field(default_factory=list)
    unused_drama_titles: list[str] = field(default_factory=list)


def _mapped_choices(
    listing: Mapping[str, Any], organization_maps: Mapping[str, Organization], drama_maps: Mapping[str, Drama]
) -> tuple[dict[str, str], dict[str, str]]:
    """Mappings by lower-cased name (a drama's title or content id), as choices keyed by the listed names' keys."""
    organization_choices = {
        entry["key"]: str(organization_maps[entry["name"].lower()].pk)
        for entry in listing["unknown_organizations"]
        if entry["name"].lower() in organization_maps
    }
    drama_choices = {
        entry["key"]: str(drama.pk)
        for entry in listing["unknown_dramas"]
        if (drama := drama_maps.get(entry["title"].lower()) or drama_maps.get(entry["work_key"].lower()))
    }
    return organization_choices, drama_choices


def avails_import_with_choices(
    *,
    data: bytes,
    source: str,
    direction: str = RightsDirection.OUT,
    default_licensee: Organization | None = None,
    actor: Actor = None,
    dry_run: bool = False,
    organization_maps: Mapping[str, Organization],
    drama_maps: Mapping[str, Drama],
    create_unmapped_organizations: bool = False,
    create_unmapped_dramas: bool = False,
) -> AvailsChoicesImport:
    """Import a file with its new names chosen up front: the admin's preview, re-preview and confirm in one call.

    The maps read a name the file gives (an organization's name; a drama's title or content id, lower-cased)
    as an existing object; the names left unmapped are created when `create_unmapped_*` says so, else the
    import is refused (RESOLUTION_REQUIRED) naming each. The steps are the admin's: a dry run lists the
    names, the mappings made are listed again (avails_import_remapped_listing: a mapped licensor's rows
    become its windows' updates), the choices are checked (avails_import_resolution) and, unless refused or
    a dry run, the file is imported with them. A file naming nothing new is imported in one pass.
    `manage.py import_avails` calls it.
    """
    run: dict[str, Any] = {"data": data, "source": source, "direction": direction, "default_licensee": default_licensee}
    if not (organization_maps or drama_maps or create_unmapped_organizations or create_unmapped_dramas):
        one_pass = avails_import(**run, actor=actor, dry_run=dry_run, resolution={"organizations": {}, "dramas": {}})
        if not (one_pass.unknown_organizations or one_pass.unknown_dramas):
            return AvailsChoicesImport(report=one_pass)
    # The preview's dry run (creating every new name): each name, with the rows naming it.
    listed = avails_import(**run, dry_run=True)
    first_listing = listed.as_dict()
    organization_names = {entry["name"].lower() for entry in first_listing["unknown_organizations"]}
    drama_titles = {entry["title"].lower() for entry in first_listing["unknown_dramas"]}
    drama_titles |= {entry["work_key"].lower() for entry in first_listing["unknown_dramas"]}
    outcome = AvailsChoicesImport(
        report=listed,
        unused_organization_names=sorted(organization_maps.keys() - organization_names),
        unused_drama_titles=sorted(drama_maps.keys() - drama_titles),
    )
    organization_choices, drama_choices = _mapped_choices(first_listing, organization_maps, drama_maps)
    try:
        # Again with the mappings made (the preview's re-preview does the same).
        relisted = avails_import_remapped_listing(
            **run,
            unknown_organizations=list(listed.unknown_organizations.values()),
            unknown_dramas=list(listed.unknown_dramas.values()),
            organization_choices=organization_choices,
            drama_choices=drama_choices,
        )
    except AvailsResolutionError:
        relisted = None  # an invalid mapping: refused below, against the names as first listed
    listed = relisted or listed
    listing = outcome.listing = listed.as_dict()
    organization_choices, drama_choices = _mapped_choices(listing, organization_maps, drama_maps)
    for entries, choices, create in (
        (listing["unknown_organizations"], organization_choices, create_unmapped_organizations),
        (listing["unknown_dramas"], drama_choices, create_unmapped_dramas),
    ):
        for entry in entries:
            entry["choice"] = choices.get(entry["key"], CREATE if create else "")
    report: AvailsImportReport | None = None
    try:
        resolution = avails_import_resolution(
            unknown_organizations=listing["unknown_organizations"],
            unknown_dramas=listing["unknown_dramas"],
            organization_choices=organization_choices,
            drama_choices=drama_choices,
            create_unmapped_organizations=create_unmapped_organizations,
            create_unmapped_dramas=create_unmapped_dramas,
        )
    except AvailsResolutionError as error:
        outcome.refusal = error
        # Nothing chose to create what the listing's dry run created.
        listed.created_dramas, listed.created_organizations = [], []
    else:
        if not dry_run and not listed.errors:
            report = avails_import(**run, actor=actor, resolution=resolution)
    if report is None:
        # A dry run, or a refusal: the listing's dry run did what these choices would do.
        report = listed
        report.dry_run = dry_run
    outcome.report = report
    if outcome.refusal is not None or dry_run:
        avails_name_suggestions_add(listing)
    return outcome


def avails_name_suggestions_add(report: dict[str, Any]) -> None:
    """Offer, for each name a dry run's report (AvailsImportReport.as_dict) lists as new, the closest
    existing names (pg_trgm similarity), in place: the admin's preview and `manage.py import_avails`."""
    threshold = settings.MIGU_AVAILS_NAME_SIMILARITY_THRESHOLD
    limit = settings.MIGU_AVAILS_NAME_SUGGESTIONS
    searched = settings.MIGU_AVAILS_NAMES_SEARCHED_MAX
    for entry in report.get("unknown_organizations", [])[searched:] + report.get("unknown_dramas", [])[searched:]:
        entry["suggestions"], entry["searched"] = [], False
    for entry in report.get("unknown_organizations", [])[:searched]:
        entry["searched"] = True
        if entry["kind"] == OrganizationKind.LICENSOR:
            kinds = [OrganizationKind.LICENSOR]
        else:
            kinds = [kind for kind in OrganizationKind.values if kind != OrganizationKind.LICENSOR]  # type: ignore[misc]
        entry["suggestions"] = [
            {
                "id": organization.pk,
                "slug": organization.slug,
                "name": organization.name,
                "similarity": round(organization.similarity, 2),  # type: ignore[attr-defined]
            }
            for organization in organizations_named_like(
                name=entry["name"], kinds=kinds, threshold=threshold, limit=limit
            )
        ]
    for entry in report.get("unknown_dramas", [])[:searched]:
        entry["searched"] = True
        entry["suggestions"] = [
            {
                "id": drama.pk,
                "name": drama.original_title,
                "owner": drama.owner.name,
                "similarity": round(drama.similarity, 2),  # type: ignore[attr-defined]
            }
            for drama in dramas_titled_like(title=entry["title"], threshold=threshold, limit=limit)
        ]


def _stored_bytes(record: AvailsImport) -> bytes:
    with record.file.open("rb") as stored:
        data = stored.read()
    if avails_sha256(data) != record.sha256:
        raise AvailsImportStateError("The stored file changed since it was previewed; upload it again.")
    return data


def _import_job_start(record: AvailsImport, *, apply: bool, user: User | AnonymousUser) -> Job:
    job = job_create(
        kind=JobKind.AVAILS_IMPORT,
        target=record,
        params={"avails_import_id": record.pk, "apply": apply},
        max_attempts=2,
        created_by=user if isinstance(user, User) and user.pk else None,
    )
    job_enqueue(job)
    return job


def avails_import_job_send(job: Job) -> None:
    """The job runner of kind `avails_import` (also the admin's re-run)."""
    from .tasks import avails_import_run

    avails_import_run.apply_async(args=[job.pk])


def avails_import_job_run(*, job: Job) -> AvailsImport | None:
    """The work of an `avails_import` job: read a QUEUED upload and preview it, or apply it (job.params).

    Progress goes to the job (noted from inside the import's transaction). Applying twice is harmless
    (records upsert by TransactionID), so a redelivered job may run again; a record no longer QUEUED
    was finished by an earlier delivery and is left alone. None when the upload is gone or finished.
    """
    record = AvailsImport.objects.filter(pk=job.params.get("avails_import_id")).first()
    if record is None or record.status != AvailsImportStatus.QUEUED:
        return None
    apply = bool(job.params.get("apply"))
    data = _stored_bytes(record)
    job_progress(job=job, percent=1.0, log_line=f"reading {record.original_name} ({len(data)} bytes)")

    def progress(done: int, total: int) -> None:
        job_progress_note(job=job, percent=5.0 + 95.0 * done / max(total, 1))

    report = avails_import(
        data=data,
        source=record.original_name,
        direction=record.direction,
        default_licensee=record.default_licensee,
        dry_run=not apply,
        actor=job.created_by,
        progress=progress,
        resolution=record.resolution if apply else (record.resolution or None),
    )
    with transaction.atomic():
        record = AvailsImport.objects.select_for_update().get(pk=record.pk)
        if apply:
            status = AvailsImportStatus.APPLIED if report.applied else AvailsImportStatus.REFUSED
        else:
            status = AvailsImportStatus.PREVIEWED if avails_import_previewable(report) else AvailsImportStatus.REFUSED
        _import_record_fill(record, report, status=status)
        if not apply and record.resolution:
            _choices_mark(record.report, record.resolution)
        if report.applied:
            record.applied_at = timezone.now()
        record.save()
    return record


def _import_record_fill(record: AvailsImport, report: AvailsImportReport, *, status: str) -> None:
    counts = report.counts
    record.report = report.as_dict()
    if report.dry_run:
        avails_name_suggestions_add(record.report)
    record.status = status
    record.created_count = counts["created"]
    record.updated_count = counts["updated"]
    record.unchanged_count = counts["unchanged"]
    record.error_count = counts["errors"]
