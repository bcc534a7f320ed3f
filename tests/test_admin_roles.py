"""Every admin page renders for each staff role that may see it, and is refused to the others.

The matrix is every model registered in the admin × each staff group (partners.roles) and a
superuser. What a role may do comes from STAFF_ROLES, the groups' declared grants, so the test
checks the groups the post_migrate hook built as well as the pages.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from partners.roles import STAFF_ROLES as GRANTS
from tests.admin_helpers import OBJECT_MAKERS, STAFF_ROLES, staff_user

pytestmark = pytest.mark.django_db

ROLES = (*STAFF_ROLES, "superuser")


def addable_at_all(model) -> bool:
    """Whether the model's admin lets anyone add rows by hand (job rows, for one, are written by workers)."""
    request = RequestFactory().get("/")
    request.user = SimpleNamespace(is_active=True, is_staff=True, is_superuser=True, has_perm=lambda *args: True)
    return admin.site._registry[model].has_add_permission(request)


def _model_key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


REGISTERED = sorted(admin.site._registry, key=_model_key)


def granted(role: str, model) -> set[str]:
    if role == "superuser":
        return {"view", "add", "change", "delete"}
    return {
        action
        for app_label, model_name, actions in GRANTS[role]
        if (app_label, model_name) == (model._meta.app_label, model._meta.model_name)
        for action in actions
    }


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_index_lists_what_the_role_may_see(client, role):
    client.force_login(staff_user(role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    listed = {
        f"{app['app_label']}.{m['object_name'].lower()}" for app in response.context["app_list"] for m in app["models"]
    }
    expected = {_model_key(model) for model in REGISTERED if granted(role, model) & {"view", "change"}}
    assert listed == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", REGISTERED, ids=_model_key)
def test_every_admin_page_renders_for_each_role_that_may_see_it(client, role, model):
    # given a staff user of `role`, and an object of the model
    key = _model_key(model)
    maker = OBJECT_MAKERS.get(key)
    obj = maker() if maker else model._default_manager.first()
    client.force_login(staff_user(role))
    actions = granted(role, model)
    can_see = bool(actions & {"view", "change"})
    can_add = "add" in actions and addable_at_all(model)

    # when the list, add and change pages are opened, then each answers 200 or 403 as the grants say
    assert client.get(admin_url(model, "changelist")).status_code == (200 if can_see else 403)
    assert client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)
    if obj is not None:
        assert client.get(admin_url(model, "change", obj.pk)).status_code == (200 if can_see else 403)
    # the list's search box and filters render too
    if can_see and model_admin_searches(model):
        assert client.get(admin_url(model, "changelist"), {"q": "x"}).status_code == 200


def model_admin_searches(model) -> bool:
    return bool(admin.site._registry[model].search_fields)


def test_every_catalogue_tenant_and_job_model_in_the_admin_has_an_object_to_open():
    # Other apps' models fall back to any existing row; these apps' models must not be skipped.
    own_apps = ("catalog.", "localization.", "partners.", "jobs.", "auth.")
    missing = [key for key in map(_model_key, REGISTERED) if key.startswith(own_apps) and key not in OBJECT_MAKERS]
    assert missing == []


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_groups_exist_with_their_grants(role):
    group = Group.objects.get(name=role)

    codenames = set(group.permissions.values_list("codename", flat=True))

    assert "view_drama" in codenames
    assert len(codenames) >= 5


ADMIN_HREF = re.compile(r'href="(/admin/[^"#?]*)(?:\?[^"]*)?"')
NOT_PAGES = ("/admin/logout/", "/admin/password_change/", "/admin/jsi18n/")


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_no_admin_page_links_a_role_to_a_page_it_may_not_open(client, role):
    # given a staff user of `role`, and an object of each model it may see
    client.force_login(staff_user(role))
    pages = []
    for model in REGISTERED:
        if granted(role, model) & {"view", "change"}:
            maker = OBJECT_MAKERS.get(_model_key(model))
            obj = maker() if maker else model._default_manager.first()
            pages.append(admin_url(model, "changelist"))
            if obj is not None:
                pages.append(admin_url(model, "change", obj.pk))

    # when every admin link on its lists and pages is followed
    refused, followed = [], set()
    for page in pages:
        for href in ADMIN_HREF.findall(client.get(page).content.decode()):
            if href in followed or href.startswith(NOT_PAGES) or href.endswith("/delete/"):
                continue
            followed.add(href)
            if client.get(href).status_code == 403:
                refused.append(f"{href} (linked from {page})")

    # then none of them refuses the role
    assert followed and sorted(refused) == []
