"""Import an EMA Avails file (XML v2.1–v2.7 or .xlsx template v1.6–v1.9) onto rights windows."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from avails.services import AvailsImportReport, avails_import
from partners.models import Organization


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


class Command(BaseCommand):
    help = (
        "Import EMA Avails (XML or .xlsx) onto rights windows: upsert by TransactionID, create unknown dramas, "
        "episodes and licensees. Any invalid row: nothing is written and the command exits 1, listing every error."
    )

    def add_arguments(self, parser):
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

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        default_licensee = None
        if options["licensee"]:
            default_licensee = Organization.objects.filter(slug=options["licensee"]).first()
            if default_licensee is None:
                raise CommandError(f"No organization with slug '{options['licensee']}'.")
        report = avails_import(
            data=path.read_bytes(),
            source=path.name,
            direction=options["direction"],
            default_licensee=default_licensee,
            dry_run=options["dry_run"],
            actor=f"import_avails {path.name}",
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        else:
            for line in report_lines(report):
                self.stdout.write(line)
        if report.errors:
            raise CommandError(f"{len(report.errors)} error(s) in {path.name}; nothing was written.", returncode=1)
