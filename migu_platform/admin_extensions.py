"""Admin wiring shared by the apps: one app adds an inline to a page another app's admin owns."""

from __future__ import annotations

from django.contrib import admin


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
