import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, granted, not_granted",
    [
        ("content", ["catalog.add_drama", "catalog.change_episode"], ["localization.change_dramalocalization"]),
        ("localization", ["localization.change_dramalocalization", "catalog.view_drama"], ["catalog.delete_drama"]),
        ("rights", ["catalog.view_drama"], ["catalog.change_drama", "catalog.add_episode"]),
    ],
)
def test_staff_groups_are_created_by_migrate_with_their_permissions(role, granted, not_granted):
    group = Group.objects.get(name=role)
    codenames = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    assert set(granted) <= codenames
    assert not set(not_granted) & codenames
