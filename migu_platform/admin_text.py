"""Text in the admin as its language reads it, and names where people read them.

- Direction: a text field of an object written in a right-to-left language (ar, fa, ur, he ...) gets
  dir="rtl" in forms, inlines, read-only views and list columns; dir="auto" where the language is not
  known (a new row), so the browser takes it from the first strong letter. Each such text is isolated
  (`<bdi>`, or `dir` on its own element with `unicode-bidi: isolate`), so a Chinese title inside an
  Arabic synopsis keeps its order and the surrounding punctuation stays where it was typed.
  Whether a language is right-to-left is localization.languages.language_direction(), nowhere else.
- Errors: a domain error as its sentence, the code in small print for support.
- People: a user as a name, never a link to a page the reader may not be allowed to open.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString

from localization.languages import TextDirection, language_direction, language_label
from migu_platform.errors import DomainError


def direction_attrs(language: str | None) -> dict[str, str]:
    """The HTML attributes of text written in `language`: dir, and lang when the language is known."""
    direction: TextDirection = language_direction(language)
    attrs = {"dir": direction}
    if direction != "auto" and language:
        attrs["lang"] = language  # type: ignore[assignment]
    return attrs  # type: ignore[return-value]


def bidi(text: Any, language: str | None = None) -> SafeString:
    """`text` isolated from what surrounds it (a list cell, a message), in its language's direction."""
    attrs = direction_attrs(language)
    if "lang" in attrs:
        return format_html('<bdi dir="{}" lang="{}">{}</bdi>', attrs["dir"], attrs["lang"], text)
    return format_html('<bdi dir="auto">{}</bdi>', text)


def language_of(obj: Any, path: str) -> str | None:
    """The language tag at `path` on `obj` ("language", "drama.original_language"), None when unset."""
    try:
        value = operator.attrgetter(path)(obj)
    except AttributeError:  # also a relation not set yet (RelatedObjectDoesNotExist is an AttributeError)
        return None
    return value or None


class DirectionalFormMixin:
    """Gives the form's text fields the direction of the language they are written in.

    Subclasses name `text_fields` (the fields holding text in that language) and `language_path`: a
    field of the form (the language chosen on the same row) or an attribute path on the instance
    ("drama.original_language"). A bound form follows the language posted with it.
    """

    text_fields: tuple[str, ...] = ()
    language_path: str = "language"

    fields: dict[str, forms.Field]  # the form's, as the form this mixes into declares them

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = direction_attrs(self.text_language())
        for name in self.text_fields:
            if name in self.fields:
                self.fields[name].widget.attrs.update(attrs)

    def text_language(self) -> str | None:
        """The language of the form's text: as posted, else as the form starts (saved or initial), else the
        instance's (a language kept on a related object: an episode's drama)."""
        form: Any = self
        if self.language_path in self.fields:
            if form.is_bound:
                posted = form.data.get(form.add_prefix(self.language_path))
                if posted:
                    return str(posted).strip()
            initial = form.initial.get(self.language_path)
            if initial:
                return str(initial)
        instance = getattr(self, "instance", None)
        return language_of(instance, self.language_path.replace("__", ".")) if instance is not None else None


def readonly_direction_attrs(admin_field: Any) -> dict[str, str]:
    """The dir/lang of a read-only field's value on an admin page (see admin/includes/fieldset.html):
    those of the form's language when the field is one of its text fields, nothing otherwise."""
    form = getattr(admin_field, "form", None)
    name = admin_field.field.get("name") if isinstance(getattr(admin_field, "field", None), dict) else None
    if not isinstance(form, DirectionalFormMixin) or name not in form.text_fields:
        return {}
    return direction_attrs(form.text_language())


def language_list_filter(field_name: str, title: str = "language") -> type[admin.SimpleListFilter]:
    """A list filter on a language tag column offering each tag in use by name ("Filipino (fil)"); it takes
    the same parameter as Django's own filter on the field, so links into filtered lists keep working."""

    class LanguageFilter(admin.SimpleListFilter):
        parameter_name = f"{field_name}__exact"

        def lookups(self, request, model_admin):
            tags = model_admin.model._default_manager.order_by(field_name).values_list(field_name, flat=True)
            return [(tag, language_label(tag)) for tag in tags.distinct() if tag]

        def queryset(self, request, queryset):
            return queryset.filter(**{field_name: self.value()}) if self.value() else queryset

    LanguageFilter.title = title
    LanguageFilter.__name__ = f"LanguageFilter_{field_name}"
    return LanguageFilter


def language_tags_label(tags: Iterable[str]) -> str:
    """Tags as people read them: "Arabic (ar), Filipino (fil)"; "—" for none."""
    return ", ".join(language_label(tag) for tag in tags) or "—"


def error_message(error: DomainError, prefix: str = "") -> SafeString:
    """A domain error as a message: its sentence, then its code in small print for support."""
    return format_html('{}{} <small class="error-code">(code: {})</small>', prefix, error.detail, str(error.code))


def person_name(user: Any) -> str:
    """A user as people name them: the full name, else the username; "—" for none."""
    if user is None:
        return "—"
    return (user.get_full_name() or "").strip() or user.get_username()
