"""Concurrent overlapping exclusive grants through the real API, over a real HTTP server."""

import threading

import pytest
import requests
from django.db import connection

from partners.tests.factories import OrganizationFactory, api_key_for
from rights.models import RightsWindow
from rights.tests.factories import at, drama_with_rights_in

CONCURRENT_GRANTS = 20


@pytest.mark.slow
def test_concurrent_overlapping_exclusive_grants_exactly_one_wins(live_server, transactional_db):
    # given a licensor's drama with rights in, 20 partners, and one licensor key per request
    drama = drama_with_rights_in(licence_types=("SVOD",))
    partners = [OrganizationFactory(kind="partner") for _ in range(CONCURRENT_GRANTS)]
    keys = [api_key_for(drama.owner, scopes=["rights:read", "rights:write"]) for _ in partners]
    barrier = threading.Barrier(CONCURRENT_GRANTS)
    responses: list = [None] * CONCURRENT_GRANTS

    def grant(index: int) -> None:
        payload = {
            "drama": drama.pk,
            "licensee": partners[index].slug,
            "territories": ["TH", "SG"],
            "licence_type": "SVOD",
            # every window overlaps every other one (all contain day 30)
            "start": at(index).isoformat(),
            "end": at(30 + index).isoformat(),
            "exclusive": True,
        }
        with requests.Session() as session:
            barrier.wait()
            responses[index] = session.post(
                f"{live_server.url}/api/v1/rights-windows/",
                json=payload,
                headers={"Authorization": f"Api-Key {keys[index]}"},
                timeout=120,
            )

    # when all 20 grants are fired at once
    threads = [threading.Thread(target=grant, args=(i,)) for i in range(CONCURRENT_GRANTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)

    # then exactly one succeeds and the others get 409 rights_overlap naming the winner
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (CONCURRENT_GRANTS - 1), [r.text for r in responses if r.status_code >= 500]
    winner = next(r.json()["id"] for r in responses if r.status_code == 201)
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert {body["code"] for body in refusals} == {"rights_overlap"}
    assert {body["conflicting_window"] for body in refusals} == {winner}

    # and the database holds one window out and no overlapping territory rows
    assert list(RightsWindow.objects.filter(direction="out").values_list("pk", flat=True)) == [winner]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM rights_rightswindowterritory a JOIN rights_rightswindowterritory b
              ON a.id < b.id AND a.drama_id = b.drama_id AND a.territory = b.territory
             AND a.licence_type = b.licence_type AND (a.exclusive OR b.exclusive)
             AND tstzrange(a.start, a."end") && tstzrange(b.start, b."end")
             WHERE a.direction = 'out' AND b.direction = 'out' AND a.status <> 'revoked' AND b.status <> 'revoked'
            """
        )
        assert cursor.fetchone()[0] == 0
