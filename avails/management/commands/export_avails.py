"""Write a licensee's windows out as EMA Avails (.xlsx TV template v1.9 or XML v2.4)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from avails.exporters import avails_xlsx_for, avails_xml_for
from avails.selectors import avails_windows_for_licensee
from partners.models import Organization


class Command(BaseCommand):
    help = "Export a licensee's rights windows as EMA Avails (xlsx or xml)."

    def add_arguments(self, parser):
        parser.add_argument("--licensee", required=True, help="The licensee's organization slug.")
        parser.add_argument("--format", choices=["xlsx", "xml"], required=True)
        parser.add_argument("-o", "--output", required=True, help="Where to write the file.")
        parser.add_argument("--include-revoked", action="store_true")

    def handle(self, *args, **options):
        licensee = Organization.objects.filter(slug=options["licensee"]).first()
        if licensee is None:
            raise CommandError(f"No organization with slug '{options['licensee']}'.")
        windows = list(avails_windows_for_licensee(licensee=licensee, include_revoked=options["include_revoked"]))
        data = avails_xlsx_for(windows) if options["format"] == "xlsx" else avails_xml_for(windows)
        output = Path(options["output"])
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from error
        self.stdout.write(f"Wrote {len(windows)} window(s) of {licensee.slug} to {output} ({options['format']}).")
