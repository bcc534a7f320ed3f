"""Writes for EMA Avails: import a file onto rights windows (create, update, revoke), all or nothing.

The import parses first; a file with any invalid row writes nothing. Then every record is applied in
its own savepoint inside one transaction, so that each conflict the rights rules raise (an
exclusive overlap, no rights in) is reported against its row and the next rows are still tried;
if any row failed, or on a dry run, the whole transaction is rolled back. Records upsert by
TransactionID, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

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
from catalog.services import drama_create, episode_bulk_create
from jobs.models import Job, JobKind
from jobs.runners import job_enqueue
from jobs.services import job_create, job_progress, job_progress_note
from localization.languages import is_valid_tag
from migu_platform.errors import DomainError
from partners.models import Organization, OrganizationKind
from partners.services import organization_create
from rights.errors import RightsValidationError
from rights.models import LicenceType, RightsDirection, RightsStatus, RightsWindow
from rights.services import rights_window_grant, rights_window_revoke, rights_window_update

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
# (records applied, records in all): called every PROGRESS_EVERY records by a long import.
ImportProgress = Callable[[int, int], None]
PROGRESS_EVERY = 200
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


class _Importer:
    def __init__(self, report: AvailsImportReport, *, default_licensee: Organization | None, actor: Actor):
        self.report = report
        self.direction = report.direction
        self.default_licensee = default_licensee
        self.actor = actor
        self.organizations: dict[str, Organization] = {}
        self.dramas: dict[tuple[int, str], Drama] = {}
        self.now = timezone.now()

    # --- per row, in a savepoint ----------------------------------------------------------------

    def run(self, records: list[AvailRecord], progress: ImportProgress | None = None) -> None:
        for number, record in enumerate(records, 1):
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(number, len(records))
            snapshot = (dict(self.organizations), dict(self.dramas))
            pending = _Pending()
            savepoint = transaction.savepoint()
            try:
                outcome = self.apply(record, pending)
            except (RowError, DomainError, ValidationError, IntegrityError) as error:
                transaction.savepoint_rollback(savepoint)
                self.organizations, self.dramas = snapshot
                self.fail(record, _row_problems(error))
            else:
                transaction.savepoint_commit(savepoint)
                self.report.outcomes.append(outcome)
                self.report.created_dramas.extend(pending.dramas)
                self.report.created_episodes += pending.episodes
                self.report.created_organizations.extend(pending.organizations)
                self.report.problems.extend(pending.warnings)

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

    def apply(self, record: AvailRecord, pending: _Pending) -> AvailsRowOutcome:
        existing = self.window_by_transaction_id(record.transaction_id)
        outcome = AvailsRowOutcome(location=record.location, transaction_id=record.transaction_id, action="unchanged")
        if record.entry_type == "Full Delete" or record.title_status == "Revoked":
            existing = existing or self.window_by_platform_id(record.transaction_id, record=record)
            if existing is None:
                outcome.detail = "Withdrawn avail for a window this platform does not hold; nothing to do."
                return outcome
            outcome.window_id = existing.pk
            if existing.status != RightsStatus.REVOKED:
                rights_window_revoke(window=existing, actor=self.actor)
                outcome.action = "revoked"
            return outcome
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
        drama = self.drama(record, licensor, pending)
        terms = self.terms(record, drama, pending)
        outcome.drama, outcome.licensee = drama.original_title, licensee.name
        if existing is None:
            existing = self.window_by_platform_id(record.transaction_id, drama=drama, licensee=licensee)
        if existing is not None:
            if (existing.direction, existing.drama_id, existing.licensee_id) != (self.direction, drama.pk, licensee.pk):
                raise RowError(
                    "TransactionID",
                    f"TransactionID {record.transaction_id} is window #{existing.pk} ({existing.direction}, "
                    f"{existing.drama.original_title} to {existing.licensee.name}); an avail cannot move it elsewhere.",
                    AvailsErrorCode.TRANSACTION_ELSEWHERE,
                )
            outcome.window_id = existing.pk
            changes = self.changes(existing, terms)
            if changes:
                rights_window_update(window=existing, actor=self.actor, **changes)
                outcome.action, outcome.changes = "updated", sorted(changes)
            return outcome
        window = rights_window_grant(
            drama=drama,
            licensee=licensee,
            direction=self.direction,
            transaction_id=record.transaction_id,
            actor=self.actor,
            **terms,
        )
        outcome.action, outcome.window_id = "created", window.pk
        return outcome

    # --- lookups and creations ------------------------------------------------------------------

    @staticmethod
    def window_by_transaction_id(transaction_id: str) -> RightsWindow | None:
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
        self.organizations[key] = organization
        return organization

    @staticmethod
    def slug_for(name: str) -> str:
        base = slugify(name)[:56] or "organization"
        slug, number = base, 1
        while Organization.objects.filter(slug=slug).exists():
            number += 1
            slug = f"{base}-{number}"
        return slug

    def drama(self, record: AvailRecord, licensor: Organization, pending: _Pending) -> Drama:
        key = record.work_key[:200]
        cached = self.dramas.get((licensor.pk, key))
        if cached is not None:
            return cached
        drama = None
        match = re.fullmatch(re.escape(DRAMA_CONTENT_ID_PREFIX) + r"(\d+)", key)
        if match:
            # The platform's own content id names the drama, but only for the licensor that owns it.
            drama = Drama.objects.filter(pk=int(match[1]), owner=licensor).first()
        if drama is None:
            external = (
                ExternalId.objects.filter(scheme=ExternalIdScheme.PARTNER, organization=licensor, value=key)
                .select_related("drama")
                .first()
            )
            drama = external.drama if external else None
        eidr = record.eidr if record.eidr and is_valid_eidr(record.eidr) else ""
        if drama is None and eidr:
            drama = Drama.objects.filter(eidr=eidr).first()
        alid = "" if record.is_tv else _valid_alid(record.alid)
        if drama is None and alid:
            drama = Drama.objects.filter(alid=alid).first()
        if drama is None:
            drama = self.drama_create(record, licensor, key=key, eidr=eidr, alid=alid)
            pending.dramas.append(drama.original_title)
        self.dramas[(licensor.pk, key)] = drama
        return drama

    def drama_create(self, record: AvailRecord, licensor: Organization, *, key: str, eidr: str, alid: str) -> Drama:
        fields: dict[str, Any] = {}
        if eidr and not Drama.objects.filter(eidr=eidr).exists():
            fields["eidr"] = eidr
        if alid and not Drama.objects.filter(alid=alid).exists():
            fields["alid"] = alid
        if record.release_year and 1950 <= record.release_year <= 2100:
            fields["production_year"] = record.release_year
        if record.asset_language and is_valid_tag(record.asset_language):
            fields["original_language"] = record.asset_language
        drama = drama_create(
            owner=licensor,
            original_title=record.drama_title[:300],
            format="vertical" if record.is_tv else "horizontal",
            **fields,
        )
        ExternalId.objects.create(drama=drama, scheme=ExternalIdScheme.PARTNER, value=key, organization=licensor)
        return drama

    def terms(self, record: AvailRecord, drama: Drama, pending: _Pending) -> dict[str, Any]:
        licence_type = vocabulary.LICENSE_TYPE_TO_PLATFORM.get(record.license_type, record.license_type)
        if licence_type not in LicenceType.values:
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
        if numbers:
            pending.episodes += len(episode_bulk_create(drama=drama, numbers=numbers))
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
        return {
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


@dataclass
class _Pending:
    """What one row created; kept only if the row's savepoint commits."""

    dramas: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    episodes: int = 0
    warnings: list[AvailProblem] = field(default_factory=list)


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
