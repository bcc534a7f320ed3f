"""The tenant-isolation matrix: every endpoint × method × another tenant's object × each kind of caller.

A foreign object answers exactly what a missing one answers (status and body), and no list, feed or
export ever carries another tenant's id.
"""

import re

import pytest
from django.db import connection

from catalog.models import Drama, Episode
from catalog.tests.factories import EpisodeFactory
from media.models import Ladder
from partners.models import Channel, Webhook, WebhookDelivery
from partners.services import api_key_create
from partners.tests.factories import ChannelFactory, LicensorFactory, OperatorFactory, OrganizationFactory
from rights.models import RightsWindow
from rights.tests.factories import drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
ALL_SCOPES = ["catalog:read", "events:write", "webhooks:manage", "keys:manage", "rights:read", "rights:write"]
CALLER_KINDS = {
    "partner": lambda: OrganizationFactory(kind="partner"),
    "operator": lambda: OperatorFactory(),
    "licensor": lambda: LicensorFactory(),
}


def tenant_objects(organization, territory="TH"):
    """A title licensed to `organization`, an episode with a ladder, a webhook with a delivery, a key, a channel."""
    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    episode = EpisodeFactory(drama=drama, number=1)
    Ladder.objects.create(episode=episode, profile="vertical", source_checksum="x", status="ready", storage_prefix="p")
    window = grant_out(drama, organization, territories=[territory])
    webhook = Webhook.objects.create(
        organization=organization, url=f"https://{organization.slug}.example/h", events=["title.available"], secret="s"
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event_id="00000000-0000-0000-0000-000000000001", event_type="ping", payload={}
    )
    return {
        "title": drama.pk,
        "episode": episode.pk,
        "window": window.pk,
        "webhook": webhook.pk,
        "delivery": delivery.pk,
        "key": api_key_create(organization=organization, name="theirs").api_key.prefix,
        "channel": ChannelFactory(organization=organization).pk,
    }


MISSING = {
    "title": 987654321,
    "episode": 987654321,
    "webhook": 987654321,
    "key": "ffffffff",
    "channel": 987654321,
    "window": 987654321,
}

DETAIL_ENDPOINTS = [
    ("get", "/api/v1/titles/{title}/?territory=TH"),
    ("get", "/api/v1/titles/{title}/episodes/?territory=TH"),
    ("get", "/api/v1/episodes/{episode}/playback/?territory=TH"),
    ("get", "/api/v1/webhooks/{webhook}/"),
    ("delete", "/api/v1/webhooks/{webhook}/"),
    ("get", "/api/v1/webhooks/{webhook}/deliveries/"),
    ("post", "/api/v1/webhooks/{webhook}/ping/"),
    ("get", "/api/v1/api-keys/{key}/"),
    ("delete", "/api/v1/api-keys/{key}/"),
    ("get", "/api/v1/channels/{channel}/"),
    ("get", "/api/v1/channels/{channel}/recommendations/"),
    ("get", "/api/v1/users/viewer-1/recommendations/?channel={channel}"),
    ("get", "/api/v1/rights-windows/{window}/"),
    ("patch", "/api/v1/rights-windows/{window}/"),
]

LIST_ENDPOINTS = [
    "/api/v1/titles/?territory=TH",
    "/api/v1/changes/",
    "/api/v1/feeds/mrss/?territory=TH",
    "/api/v1/avails/",
    "/api/v1/webhooks/",
    "/api/v1/webhooks/{own_webhook}/deliveries/",
    "/api/v1/api-keys/",
    "/api/v1/channels/",
    "/api/v1/me/",
    "/api/v1/rights-windows/",
]


@pytest.fixture
def victim():
    return OrganizationFactory(kind="partner", slug="victim", name="Victim")


@pytest.mark.parametrize("kind", CALLER_KINDS)
@pytest.mark.parametrize("method, template", DETAIL_ENDPOINTS)
def test_a_foreign_object_answers_exactly_like_a_missing_one(client_for, victim, kind, method, template):
    # given another tenant's objects, and a caller of this kind holding every scope
    theirs = tenant_objects(victim)
    caller = CALLER_KINDS[kind]()
    client = client_for(caller, scopes=ALL_SCOPES)

    # when the caller addresses the foreign object and a missing one
    foreign = getattr(client, method)(template.format(**theirs))
    missing = getattr(client, method)(template.format(**MISSING))

    # then both answers are the same, byte for byte: a 404, or a 403 that this kind of caller gets for any
    # id (partners may not write rights windows), and nothing changed
    assert foreign.status_code == missing.status_code
    assert foreign.status_code == 404 or ("rights-windows" in template and method == "patch" and kind != "licensor")
    assert foreign.content == missing.content
    assert Webhook.objects.filter(pk=theirs["webhook"]).exists()
    assert WebhookDelivery.objects.filter(webhook_id=theirs["webhook"]).count() == 1
    from partners.models import ApiKey

    assert ApiKey.objects.get(prefix=theirs["key"]).revoked_at is None


def ids_made_distinctive() -> None:
    """Move the id sequences past every id that exists, so the next objects' ids can appear in a
    response only by leaking (otherwise a title id and another table's id may be equal by chance)."""
    tables = [model._meta.db_table for model in (Drama, Episode, RightsWindow, Webhook, Channel)]
    with connection.cursor() as cursor:
        highest = 0
        for table in tables:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            highest = max(highest, cursor.fetchone()[0])
        floor = highest + 1_000_000
        for table in tables:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, floor])


def ids_in(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


@pytest.mark.parametrize("kind", CALLER_KINDS)
@pytest.mark.parametrize("template", LIST_ENDPOINTS)
def test_no_list_feed_or_export_carries_a_foreign_id(client_for, victim, kind, template):
    # given both tenants hold objects of every kind; the victim's ids are made distinctive
    caller = CALLER_KINDS[kind]()
    own = tenant_objects(caller) if kind != "licensor" else tenant_objects(OrganizationFactory())
    if kind == "licensor":
        own["webhook"] = Webhook.objects.create(
            organization=caller, url="https://l.example/h", events=["ping"], secret="s"
        ).pk
    ids_made_distinctive()
    theirs = tenant_objects(victim)
    client = client_for(caller, scopes=ALL_SCOPES)

    # when the caller reads the list
    response = client.get(template.format(own_webhook=own["webhook"]))

    # then none of the victim's identifiers appears in it
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("title", "episode", "webhook", "channel", "window"):
        assert not re.search(rf'"(?:id|title_id)":\s*{theirs[name]}\b', body), name
        assert f"/titles/{theirs[name]}/" not in body
        assert f"migu:title:{theirs[name]}<" not in body
    assert theirs["key"] not in body
    assert victim.slug not in body and victim.name not in body
    assert Drama.objects.get(pk=theirs["title"]).original_title not in body
