"""No admin list issues a query per row: the count for 1 object and for 10 is the same."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.admin_helpers import OBJECT_MAKERS, staff_user

pytestmark = pytest.mark.django_db

# Groups are fixed rows (one per staff role), nothing to multiply.
LISTED = sorted(
    key
    for key in OBJECT_MAKERS
    if key != "auth.group" and any(f"{m._meta.app_label}.{m._meta.model_name}" == key for m in admin.site._registry)
)


def changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("key", LISTED)
def test_a_list_page_costs_the_same_queries_for_1_or_10_rows(client, key):
    # given one object listed, and the queries of its list page
    client.force_login(staff_user("superuser"))
    app_label, model_name = key.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    OBJECT_MAKERS[key]()
    one = changelist_queries(client, url)

    # when nine more are listed
    for _ in range(9):
        OBJECT_MAKERS[key]()

    # then the page needs no more queries
    assert changelist_queries(client, url) <= one
