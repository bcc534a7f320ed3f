"""Import an EMA Avails file (XML v2.1–v2.7 or .xlsx template v1.6–v1.9) onto rights windows.

Like the admin's preview and confirm, nothing the file names and the platform does not hold (a licensor,
a licensee, a drama) is created unasked: each needs a choice on the command line, which
avails_import_with_choices lists, checks and applies through the steps the admin's preview and confirm take.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from avails.errors import AvailsErrorCode, AvailsResolutionError
from avails.selectors import drama_by_reference
from avails.services import CREATE, AvailsImportReport, avails_import_with_choices
from catalog.models import Drama
from partners.models import Organization

HOW_TO_CHOOSE = (
    "Choose for each: --map-organization 'NAME=SLUG' (an existing licensor for a licensor, a partner or operator "
    "for a licensee), --map-drama 'TITLE=DRAMA' (TITLE as the file gives it, or its content id; DRAMA an existing "
    "drama's id, platform content id, EIDR or ALID), or create what is not mapped with --create-new-organizations, "
    "--create-new-dramas, or --create-new for both."
)


def report_lines(report: AvailsImportReport) -> list[str]:
    counts = report.counts
    mode = "dry run, nothing written" if report.dry_run else ("applied" if report.applied else "nothing written")
    lines = [
        f"{report.source}: {report.format} {report.version} rights {report.direction} ({mode})",
        f"  created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']}, "
        f"revoked {counts['revoked']}, errors {counts['errors']}",
    ]
    if report.created_dramas:
        lines.append(f"  new dramas: {', '.join(report.created_dramas)}")
    if report.created_episodes:
        lines.append(f"  new episodes: {report.created_episodes}")
    if report.created_organizations:
        lines.append(f"  new organizations: {', '.join(report.created_organizations)}")
    for outcome in report.outcomes:
        if outcome.action == "updated":
            lines.append(f"  updated {outcome.location} ({outcome.transaction_id}): {', '.join(outcome.changes)}")
    for problem in report.problems:
        lines.append(f"  {problem.severity.upper()}: {problem}")
    return lines


def _rows(entry: dict[str, Any]) -> str:
    locations = entry.get("locations", [])
    more = entry["rows"] - len(locations)
    named = "; ".join(locations) + (f"; and {more} more" if more > 0 else "")
    return f"{entry['rows']} row{'s' if entry['rows'] != 1 else ''}: {named}"


def _id(choice: str) -> int | None:
    return int(choice) if choice.isdigit() else None


def _choice_text(choice: str, chosen: Organization | Drama | None) -> str:
    if choice == CREATE:
        return "create"
    if not choice:
        return "NONE"
    if isinstance(chosen, Organization):
        return f"mapped to {chosen.name} ({chosen.slug})"
    if isinstance(chosen, Drama):
        return f"mapped to #{chosen.pk} {chosen.original_title} of {chosen.owner.name}"
    return f"mapped to #{choice}"


def new_names_lines(listing: dict[str, Any]) -> list[str]:
    """The organizations and dramas the file names and the platform does not hold: where, the choice, the closest."""
    organizations, dramas = listing["unknown_organizations"], listing["unknown_dramas"]
    if not organizations and not dramas:
        return []
    chosen_organizations = Organization.objects.in_bulk(
        [int(e["choice"]) for e in organizations if e["choice"].isdigit()]
    )
    chosen_dramas = Drama.objects.select_related("owner").in_bulk(
        [int(e["choice"]) for e in dramas if e["choice"].isdigit()]
    )
    lines = [f"  names the platform does not hold ({len(organizations) + len(dramas)}):"]
    for entry in organizations:
        chosen: Organization | Drama | None = chosen_organizations.get(_id(entry["choice"]))
        lines.append(f"    {entry['field']} '{entry['name']}' ({entry['kind']}, {_rows(entry)})")
        lines.append(f"      choice: {_choice_text(entry['choice'], chosen)}")
        lines.extend(
            f"      closest: {s['slug']} '{s['name']}' (similarity {s['similarity']})"
            for s in entry.get("suggestions", [])
        )
    for entry in dramas:
        lines.append(
            f"    Drama '{entry['title']}' of {entry['licensor']} (content id {entry['work_key']}, {_rows(entry)})"
        )
        chosen = chosen_dramas.get(_id(entry["choice"]))
        lines.append(f"      choice: {_choice_text(entry['choice'], chosen)}")
        lines.extend(
            f"      closest: {s['id']} '{s['name']}' of {s['owner']} (similarity {s['similarity']})"
            for s in entry.get("suggestions", [])
        )
    return lines


def _pairs(values: list[str], option: str, right: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        name, equals, target = value.rpartition("=")
        if not equals or not name.strip() or not target.strip():
            raise CommandError(f"{option} expects 'NAME={right}', got '{value}'.", returncode=1)
        pairs.append((name.strip(), target.strip()))
    return pairs


class Command(BaseCommand):
    help = (
        "Import EMA Avails (XML or .xlsx) onto rights windows: upsert by TransactionID, create the episodes named. "
        "Organizations and dramas the platform does not hold are created or mapped only as chosen "
        "(--map-organization, --map-drama, --create-new-organizations, --create-new-dramas, --create-new); "
        "without a choice for each, or with any invalid row, nothing is written and the command exits 1, "
        "listing what to fix."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="An EMA Avails .xml or .xlsx file.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--direction",
            choices=["out", "in"],
            default="out",
            help="out: windows granted to the licensee named in the file (default); in: rights acquired from its licensor.",
        )
        parser.add_argument("--licensee", help="Slug of the licensee for rows that name none (rights out).")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--map-organization",
            action="append",
            default=[],
            metavar="NAME=SLUG",
            help="Read the organization the file names NAME (and the platform does not hold) as the existing one "
            "with this slug. Repeatable.",
        )
        parser.add_argument(
            "--map-drama",
            action="append",
            default=[],
            metavar="TITLE=DRAMA",
            help="Read the drama the file titles TITLE (or gives this content id) as an existing drama: its id, "
            "platform content id (md:cid:org:migu:drama:N), EIDR or ALID. The file's content id is kept for it, "
            "so the next file finds it. Repeatable.",
        )
        parser.add_argument(
            "--create-new-organizations",
            action="store_true",
            help="Create every organization the file names that the platform does not hold and is not mapped.",
        )
        parser.add_argument(
            "--create-new-dramas",
            action="store_true",
            help="Create every drama the file names that the platform does not hold and is not mapped.",
        )
        parser.add_argument(
            "--create-new", action="store_true", help="Both --create-new-organizations and --create-new-dramas."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        default_licensee = None
        if options["licensee"]:
            default_licensee = Organization.objects.filter(slug=options["licensee"]).first()
            if default_licensee is None:
                raise CommandError(f"No organization with slug '{options['licensee']}'.")
        organization_maps = self.organization_maps(options["map_organization"])
        drama_maps = self.drama_maps(options["map_drama"])
        outcome = avails_import_with_choices(
            data=path.read_bytes(),
            source=path.name,
            direction=options["direction"],
            default_licensee=default_licensee,
            actor=f"import_avails {path.name}",
            dry_run=options["dry_run"],
            organization_maps=organization_maps,
            drama_maps=drama_maps,
            create_unmapped_organizations=options["create_new_organizations"] or options["create_new"],
            create_unmapped_dramas=options["create_new_dramas"] or options["create_new"],
        )
        # A mapping for a name the file does not give as new is said (a typo in the option), not refused.
        for name in outcome.unused_organization_names:
            self.stderr.write(f"--map-organization: {path.name} names no new organization '{name}'; ignored.")
        for title in outcome.unused_drama_titles:
            self.stderr.write(f"--map-drama: {path.name} names no new drama '{title}'; ignored.")
        report, listing, refusal = outcome.report, outcome.listing, outcome.refusal
        self.write(report, listing, refusal, json_output=options["json"])
        if refusal is None:
            if report.errors:
                raise CommandError(f"{len(report.errors)} error(s) in {path.name}; nothing was written.", returncode=1)
            return
        message = f"{len(report.errors)} error(s) in {path.name}, and " if report.errors else f"{path.name}: "
        if refusal.code == AvailsErrorCode.RESOLUTION_REQUIRED and listing is not None:
            entries = listing["unknown_organizations"] + listing["unknown_dramas"]
            unchosen = sum(1 for entry in entries if not entry["choice"])
            message += f"{unchosen} of the {len(entries)} organization(s) or drama(s) the platform does not hold "
            message += f"have no choice; nothing was written. {HOW_TO_CHOOSE}"
        else:
            message += f"{refusal.detail} [{refusal.code}]"
        raise CommandError(message, returncode=1)

    def organization_maps(self, values: list[str]) -> dict[str, Organization]:
        """--map-organization NAME=SLUG, by the lower-cased NAME; a slug naming no organization is refused."""
        maps = {}
        for name, slug in _pairs(values, "--map-organization", "SLUG"):
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(
                    f"--map-organization '{name}={slug}': no organization with slug '{slug}'.", returncode=1
                )
            maps[name.lower()] = organization
        return maps

    def drama_maps(self, values: list[str]) -> dict[str, Drama]:
        """--map-drama TITLE=DRAMA, by the lower-cased TITLE (or content id); a DRAMA naming none is refused."""
        maps = {}
        for title, reference in _pairs(values, "--map-drama", "DRAMA"):
            drama = drama_by_reference(reference=reference)
            if drama is None:
                raise CommandError(
                    f"--map-drama '{title}={reference}': no drama with id, platform content id, EIDR or ALID "
                    f"'{reference}'.",
                    returncode=1,
                )
            maps[title.lower()] = drama
        return maps

    def write(
        self,
        report: AvailsImportReport,
        listing: dict[str, Any] | None,
        refusal: AvailsResolutionError | None,
        *,
        json_output: bool,
    ) -> None:
        if json_output:
            output = report.as_dict()
            if listing is not None:
                # The names as listed for choosing (the import's own report may list fewer: a refused row stops early).
                output["unknown_organizations"] = listing["unknown_organizations"]
                output["unknown_dramas"] = listing["unknown_dramas"]
            output["resolution_error"] = {"code": str(refusal.code), "detail": refusal.detail} if refusal else None
            self.stdout.write(json.dumps(output, indent=2, default=str))
            return
        lines = report_lines(report)
        if listing is not None:
            lines.extend(new_names_lines(listing))
        if refusal is not None and refusal.code != AvailsErrorCode.RESOLUTION_REQUIRED:
            # (A name without a choice shows as such in the listing, and the error says how to choose.)
            lines.append(f"  REFUSED [{refusal.code}]: {refusal.detail}")
        for line in lines:
            self.stdout.write(line)
