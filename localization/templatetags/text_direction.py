"""Template helpers for text in its language's direction (see migu_platform.admin_text)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join

from migu_platform import admin_text

register = template.Library()


@register.simple_tag
def readonly_direction(admin_field) -> str:
    """` dir="rtl" lang="ar"` for a read-only admin field holding text in a right-to-left language."""
    attrs = admin_text.readonly_direction_attrs(admin_field)
    return format_html_join("", ' {}="{}"', attrs.items())


@register.filter
def bidi(text, language: str | None = None) -> str:
    """`text` isolated, in `language`'s direction: {{ drama.original_title|bidi:drama.original_language }}."""
    return admin_text.bidi(text, language)
