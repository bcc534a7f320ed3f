"""Autocompletes redraw a refused form whatever was posted (migu_platform.admin_extensions)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from catalog.models import Drama
from migu_platform.admin_extensions import AutocompleteGuardMixin
from partners.models import Channel
from rights.models import RightsWindow
from tests.admin_helpers import changeform_data, staff_user

NOT_IDS = ["abc", "\u202e", "99999999999999999999", "1e400", "2026-02-30", "<script>alert(1)</script>", "TH," * 300]


def test_every_admin_and_inline_with_autocompletes_uses_the_guarded_widgets():
    with_autocompletes = []
    for model_admin in admin.site._registry.values():
        for owner in (type(model_admin), *model_admin.inlines):
            if owner.autocomplete_fields:
                with_autocompletes.append(owner)
    assert len(with_autocompletes) >= 12
    assert [o.__name__ for o in with_autocompletes if not issubclass(o, AutocompleteGuardMixin)] == []


@pytest.fixture
def root(db):
    browser = Client(raise_request_exception=False)  # a crash must show as the 500 it would be in production
    browser.force_login(staff_user("superuser"))
    return browser


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_channel_posted_with_an_organization_that_is_no_id_is_refused_by_its_field(root, value):
    # when a channel is added with an organization that is not an id
    data = changeform_data(root.get("/admin/partners/channel/add/")) | {
        "name": "Shorts",
        "slug": "shorts",
        "organization": value,
    }
    response = root.post("/admin/partners/channel/add/", data)
    # then the form is drawn again with the field's refusal, and nothing is saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Select a valid choice" in errors["organization"][0]
    assert not Channel.objects.exists()


@pytest.mark.parametrize("value", NOT_IDS[:4])
def test_a_drama_and_a_window_posted_with_relations_that_are_no_ids_are_refused_by_their_fields(root, value):
    # a drama's owner and genres (one and many), a window's drama, licensee and channel
    drama_data = changeform_data(root.get("/admin/catalog/drama/add/")) | {
        "original_title": "重生",
        "owner": value,
        "genres": [value, "1"],
    }
    response = root.post("/admin/catalog/drama/add/", drama_data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"owner", "genres"} <= errors.keys()
    assert not Drama.objects.exists()

    window_data = changeform_data(root.get("/admin/rights/rightswindow/add/")) | {
        "drama": value,
        "licensee": value,
        "channel": value,
    }
    response = root.post("/admin/rights/rightswindow/add/", window_data)
    assert response.status_code == 200
    assert {"drama", "licensee", "channel"} <= response.context["adminform"].form.errors.keys()
    assert not RightsWindow.objects.exists()
