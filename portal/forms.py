"""The portal's filters: read from the URL (GET), so every view can be bookmarked and shared."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(2000, 1, 1)


class PortalFilterForm(forms.Form):
    start = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.TypedMultipleChoiceField(required=False, coerce=int, label=_("Channels"), choices=())
    territory = forms.CharField(required=False, max_length=2, label=_("Territory"))
    language = forms.CharField(required=False, max_length=16, label=_("Language"))

    def __init__(self, data, *, channels, today: dt.date, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today
        # Every integer is a valid choice here: an id that is not one of the caller's channels answers
        # the same 404 as a missing one (portal_scope_check), not a form error that would tell them apart.
        field = self.fields["channel"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(c.pk, c.name) for c in channels]
        field.valid_value = lambda value: str(value).isdigit() and len(str(value)) < 19  # type: ignore[method-assign]

    def clean_territory(self) -> str:
        return (self.cleaned_data.get("territory") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("end") or self.today
        # Thirty days to the end by default; from the first day there is when the end is in January of year 1.
        start = cleaned.get("start") or max(end, dt.date.min + dt.timedelta(days=29)) - dt.timedelta(days=29)
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if end < start:
            raise forms.ValidationError(_("The period ends before it starts: choose a start before the end."))
        if start < EARLIEST or end > self.today + dt.timedelta(days=366):
            raise forms.ValidationError(_("Choose a period between 2000 and next year."))
        if (end - start).days + 1 > settings.PORTAL_MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("A period may span at most %(days)d days.") % {"days": settings.PORTAL_MAX_PERIOD_DAYS}
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


class LineupFilterForm(forms.Form):
    """The line-up page's filters: one channel (default the first) and one of its territories (default all)."""

    channel = forms.IntegerField(required=False, min_value=1, max_value=2**62, label=_("Channel"))
    territory = forms.CharField(required=False, max_length=2, label=_("Territory"))

    def clean_territory(self) -> str:
        return (self.cleaned_data.get("territory") or "").strip().upper()
