"""Helpers for admin tests: log in staff users per role, and submit an admin form as a browser would."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.forms import BaseForm, CheckboxInput, FileInput, ModelMultipleChoiceField, MultipleChoiceField

STAFF_ROLES = ("content", "rights", "localization")


def staff_user(role: str, password: str | None = None):
    """A staff user in the group `role` (created by the post_migrate hook), or a superuser.

    Without a password (tests log in with force_login) no slow password hash is computed.
    """
    User = get_user_model()
    username = "root" if role == "superuser" else f"{role}-manager"
    user = User.objects.create(username=username, is_staff=True, is_superuser=role == "superuser")
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    if role != "superuser":
        user.groups.add(Group.objects.get(name=role))
    return user


def _form_data(form: BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if isinstance(field.widget, FileInput):
            continue
        bound = form[name]
        key = bound.html_name
        value = bound.value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[key] = "on"
            continue
        if isinstance(field, MultipleChoiceField | ModelMultipleChoiceField):
            data[key] = [str(item) for item in field.prepare_value(value or [])]
            continue
        value = field.prepare_value(value) if value is not None else ""
        if isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        else:
            data[key] = "" if value is None else str(value)
    return data


def changeform_data(response) -> dict[str, Any]:
    """The POST data of an admin add/change page as rendered (main form, inlines, management forms)."""
    context = response.context
    data = _form_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]
