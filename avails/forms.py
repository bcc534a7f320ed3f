"""The admin's Avails upload form."""

from __future__ import annotations

from pathlib import Path

from django import forms

from avails.parsers.limits import MAX_FILE_BYTES as MAX_AVAILS_BYTES
from partners.models import Organization, OrganizationKind


class AvailsUploadForm(forms.Form):
    file = forms.FileField(help_text="An EMA Avails .xml (v2.1–v2.7) or .xlsx (template v1.6–v1.9) file.")
    direction = forms.ChoiceField(
        choices=[
            ("out", "Rights out: granted to the licensee named in the file"),
            ("in", "Rights in: acquired from the file's licensor"),
        ],
        initial="out",
    )
    default_licensee = forms.ModelChoiceField(
        queryset=Organization.objects.exclude(kind=OrganizationKind.LICENSOR).order_by("name"),
        required=False,
        help_text="For rows that name no licensee (rights out).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".xml", ".xlsx"}:
            raise forms.ValidationError("Upload an .xml or .xlsx Avails file.")
        if upload.size > MAX_AVAILS_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_AVAILS_BYTES // (1024 * 1024)} MB.")
        return upload
