"""Write a licensee's windows out as EMA Avails (.xlsx TV template v1.6–v1.9, v1.9 by default; or XML
v2.1–v2.7, v2.4 by default)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from avails.exporters import (
    EXPORT_TEMPLATE_VERSIONS,
    EXPORT_XML_VERSIONS,
    TEMPLATE_VERSION,
    XML_VERSION,
    avails_xlsx_for,
    avails_xml_for,
)
from avails.selectors import avails_windows_for_licensee
from partners.models import Organization


class Command(BaseCommand):
    help = "Export a licensee's rights windows as EMA Avails (xlsx or xml)."

    def add_arguments(self, parser):
        parser.add_argument("--licensee", required=True, help="The licensee's organization slug.")
        parser.add_argument("--format", choices=["xlsx", "xml"], required=True)
        parser.add_argument("-o", "--output", required=True, help="Where to write the file.")
        parser.add_argument("--include-revoked", action="store_true")
        parser.add_argument(
            "--avails-version",
            help=f"Template version for xlsx ({', '.join(EXPORT_TEMPLATE_VERSIONS)}; {TEMPLATE_VERSION} by default) "
            f"or schema version for xml ({', '.join(EXPORT_XML_VERSIONS)}; {XML_VERSION} by default).",
        )

    def handle(self, *args, **options):
        licensee = Organization.objects.filter(slug=options["licensee"]).first()
        if licensee is None:
            raise CommandError(f"No organization with slug '{options['licensee']}'.")
        xlsx = options["format"] == "xlsx"
        version = options["avails_version"] or (TEMPLATE_VERSION if xlsx else XML_VERSION)
        if version not in (EXPORT_TEMPLATE_VERSIONS if xlsx else EXPORT_XML_VERSIONS):
            raise CommandError(f"No {options['format']} Avails version {version} to write.")
        windows = list(avails_windows_for_licensee(licensee=licensee, include_revoked=options["include_revoked"]))
        data = avails_xlsx_for(windows, version=version) if xlsx else avails_xml_for(windows, version=version)
        output = Path(options["output"])
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from error
        self.stdout.write(
            f"Wrote {len(windows)} window(s) of {licensee.slug} to {output} ({options['format']} v{version})."
        )
