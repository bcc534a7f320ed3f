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
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.identifiers import is_valid_eidr, validate_alid
from catalog.models import Drama, ExternalId, ExternalIdScheme
from catalog.services import drama_bulk_create, episode_bulk_create
from jobs.models import Job, JobKind
from jobs.runners import job_enqueue
from jobs.services import job_create, job_progress, job_progress_note
from localization.languages import is_valid_tag
from migu_platform.errors import DomainError
from partners.models import Organization, OrganizationKind
from partners.services import organization_create
from rights.errors import RightsValidationError
from rights.models import LicenceType, RightsDirection, RightsStatus, RightsWindow
from rights.services import rights_window_grant, rights_window_revoke, rights_window_update, rights_windows_grant

from . import vocabulary
from .errors import AvailsErrorCode, AvailsImportStateError
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


class _Importer:
    def __init__(self, report: AvailsImportReport, *, default_licensee: Organization | None, actor: Actor):
        self.report = report
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

    def fail(self, record: AvailRecord, problems: list[tuple[str, str, str]]) -> None:
        for field_name, reason, code in problems:
            self.report.problems.append(
                AvailProblem(file=record.source, location=record.location, field=field_name, reason=reason, code=code)
            )
        self.report.outcomes.append(
            AvailsRowOutcome(
                location=record.location,
                transaction_id=record.transaction_id,
                action="error",
                detail="; ".join(reason for _, reason, _ in problems),
            )
        )

    def apply(self, row: _Row) -> None:
        record, outcome, pending = row.record, row.outcome, row.pending
        outcome.action = "unchanged"
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
        licensor = self.organization(record.licensor, OrganizationKind.LICENSOR, "Licensor", pending)
        if self.direction == RightsDirection.OUT:
            if record.licensee:
                licensee = self.organization(record.licensee, OrganizationKind.PARTNER, "Licensee", pending)
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
        drama = self.drama(record, licensor, row)
        terms, episodes = self.terms(record, drama, pending)
        outcome.drama, outcome.licensee = drama.original_title, licensee.name
        if existing is None and drama.pk is not None:
            existing = self.window_by_platform_id(record.transaction_id, drama=drama, licensee=licensee)
        if existing is not None:
            if (existing.direction, existing.drama_id, existing.licensee_id) != (self.direction, drama.pk, licensee.pk):
                raise RowError(
                    "TransactionID",
                    f"TransactionID {record.transaction_id} is window #{existing.pk} ({existing.direction}, "
                    f"{existing.drama.original_title} to {existing.licensee.name}); an avail cannot move it elsewhere.",
                    AvailsErrorCode.TRANSACTION_ELSEWHERE,
                )
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
                self.fail(row.record, row.problems)
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

    def organization(self, name: str, kind: str, field_name: str, pending: _Pending) -> Organization:
        key = name.strip().lower()
        if not key:
            raise RowError(field_name, f"{field_name} DisplayName is required.", AvailsErrorCode.REQUIRED)
        organization = self.organizations.get(key)
        if organization is None:
            organization = (
                Organization.objects.filter(name__iexact=name.strip()).order_by("id").first()
                or Organization.objects.filter(slug=slugify(name)[:64]).first()
            )
        if organization is None:
            self.write_ahead()
            organization = organization_create(name=name.strip()[:200], slug=self.slug_for(name), kind=kind)
            pending.organizations.append(f"{organization.name} ({organization.get_kind_display()})")
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
            drama = self.drama_new(record, licensor, key=key, eidr=eidr, alid=alid)
            self.remember(self.new_dramas, id(drama), _NewDrama(drama=drama, key=key, licensor=licensor, creator=row))
            if drama.eidr:
                self.remember(self.by_eidr, drama.eidr, drama)
            if drama.alid:
                self.remember(self.by_alid, drama.alid, drama)
        self.remember(self.dramas, (licensor.pk, key), drama)
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
) -> AvailsImportReport:
    """Import an EMA Avails file (XML or .xlsx) onto rights windows, all or nothing.

    Rights out by default: the licensee is the avail's ServiceProvider / Licensee (an unknown name
    becomes a new partner organization), else `default_licensee`. Rights in: the avail's Licensor
    is the licensee. Unknown dramas and episodes are created. With any parse error nothing is
    attempted; with any row refused by the rights rules (reported against its row) or on a dry run,
    everything is rolled back. The report says what was (or would be) created, updated, unchanged.
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
            importer = _Importer(report, default_licensee=default_licensee, actor=actor)
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
        record, report, status=AvailsImportStatus.PREVIEWED if not report.errors else AvailsImportStatus.REFUSED
    )
    with transaction.atomic():
        record.file.save(Path(upload_name).name, ContentFile(data), save=False)
        record.save()
    return record


def avails_import_confirm(*, avails_import_record: AvailsImport, user: User | AnonymousUser) -> AvailsImport:
    """Apply a previewed upload from its stored bytes; refuses anything but a clean preview."""
    with transaction.atomic():
        record = AvailsImport.objects.select_for_update().get(pk=avails_import_record.pk)
        if record.status != AvailsImportStatus.PREVIEWED:
            raise AvailsImportStateError(
                f"This upload is {record.get_status_display().lower()}; only a clean preview can be applied."
            )
        if record.file.size > settings.MIGU_AVAILS_INLINE_MAX_BYTES:
            record.status = AvailsImportStatus.QUEUED
            record.save(update_fields=["status"])
            _import_job_start(record, apply=True, user=user)
            return record
        data = _stored_bytes(record)
        report = avails_import(
            data=data,
            source=record.original_name,
            direction=record.direction,
            default_licensee=record.default_licensee,
            actor=user,
        )
        _import_record_fill(
            record, report, status=AvailsImportStatus.APPLIED if report.applied else AvailsImportStatus.REFUSED
        )
        if report.applied:
            record.applied_at = timezone.now()
        record.save()
    return record


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
    )
    with transaction.atomic():
        record = AvailsImport.objects.select_for_update().get(pk=record.pk)
        if apply:
            status = AvailsImportStatus.APPLIED if report.applied else AvailsImportStatus.REFUSED
        else:
            status = AvailsImportStatus.PREVIEWED if not report.errors else AvailsImportStatus.REFUSED
        _import_record_fill(record, report, status=status)
        if report.applied:
            record.applied_at = timezone.now()
        record.save()
    return record


def _import_record_fill(record: AvailsImport, report: AvailsImportReport, *, status: str) -> None:
    counts = report.counts
    record.report = report.as_dict()
    record.status = status
    record.created_count = counts["created"]
    record.updated_count = counts["updated"]
    record.unchanged_count = counts["unchanged"]
    record.error_count = counts["errors"]
