"""Admin wiring shared by the apps: one app adds an inline to a page another app's admin owns; autocompletes
that survive whatever is posted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


def admin_inline_attach(model, inline, search_field: str) -> None:
    """Add `inline` to the admin registered for `model`; register a minimal one if there is none yet.

    Apps load their admin modules in INSTALLED_APPS order, so the owning app's admin is already
    registered when a later app attaches to it.
    """
    if not admin.site.is_registered(model):
        admin.site.register(
            model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {"search_fields": [search_field]})
        )
    model_admin = admin.site.get_model_admin(model)
    if inline not in model_admin.inlines:
        type(model_admin).inlines = [*model_admin.inlines, inline]


def _valid_keys(field: Any, values: Iterable[Any]) -> list[Any]:
    """Of the values a bound form holds for a relation, those its target column can take (an id of the
    right type and range); the others are what an autocomplete must not query for."""
    target = field.target_field
    kept = []
    for value in values:
        try:
            key = target.to_python(value)
        except ValidationError:
            continue
        if isinstance(key, int) and not -(2**63) <= key < 2**63:
            continue
        kept.append(value)
    return kept


class GuardedAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _valid_keys(self.field, value), attr)


class GuardedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _valid_keys(self.field, value), attr)


class AutocompleteGuardMixin:
    """Autocompletes that redraw a refused form whatever was posted.

    Django's autocomplete widgets look up the posted values to show them as chosen; a value that is not
    an id (text, NUL, a number past the column's range) made that query raise, so a form that should have
    said "Select a valid choice" answered 500. These widgets look up only what can be an id; the field's
    own validation still refuses the rest by name. Every admin and inline with autocomplete_fields
    starts from this mixin (tests/test_admin_autocomplete.py checks it).
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = GuardedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = GuardedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
