import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import wait_for
from partners.models import Webhook, WebhookDelivery
from partners.tests.factories import OrganizationFactory
from partners.webhooks import webhook_backoff_seconds, webhook_event_publish

HOOK_SCOPES = ["webhooks:manage"]


class Receiver:
    """A partner's webhook endpoint on loopback: records each request, answers from a script of statuses."""

    def __init__(self, statuses=(200,)):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "at": time.monotonic()})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receivers = []

    def make(statuses=(200,)):
        receivers.append(Receiver(statuses))
        return receivers[-1]

    yield make
    for r in receivers:
        r.close()


def signature_valid(secret: str, header: str, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, allowed",
    [
        ("https://partner.example/hooks", True),
        ("http://partner.example/hooks", False),
        ("https://10.0.0.5/hooks", False),
        ("https://user:pw@partner.example/hooks", False),
        ("ftp://partner.example/hooks", False),
        ("http://127.0.0.1:9/hooks", False),  # loopback only when allowed by settings
    ],
)
def test_webhook_urls_must_be_public_https(client_for, partner, settings, url, allowed):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    response = client_for(partner, scopes=HOOK_SCOPES).post(
        "/api/v1/webhooks/", {"url": url, "events": ["title.available"]}, format="json"
    )

    assert response.status_code == (201 if allowed else 400), response.json()
    if not allowed:
        assert response.json()["code"] in {"webhook_url_not_allowed", "invalid"}
    assert Webhook.objects.filter(url=url).exists() == allowed


def internal_name() -> str:
    """This machine's own host name: it resolves to a loopback or private address."""
    import socket

    from partners.webhooks import webhook_host_internal_addresses

    name = socket.gethostname()
    if not webhook_host_internal_addresses(name, 443):
        pytest.skip(f"{name} does not resolve to an internal address here")
    return name


@pytest.mark.django_db
def test_a_name_that_resolves_to_an_internal_address_is_refused_at_registration(partner, settings):
    from migu_platform.errors import DomainError
    from partners.webhooks import webhook_create

    settings.DEBUG = False
    url = f"https://{internal_name()}/hooks"

    with pytest.raises(DomainError) as refused:
        webhook_create(organization=partner, url=url, events=["title.available"])

    assert refused.value.code == "webhook_url_not_allowed" and "internal address" in str(refused.value)
    assert not Webhook.objects.filter(url=url).exists()


@pytest.mark.django_db
def test_a_delivery_to_a_name_that_now_resolves_inside_is_not_sent(partner, settings):
    from partners.webhooks import webhook_delivery_attempt

    # given a webhook whose name pointed outside at registration and now points inside
    settings.DEBUG = False
    webhook = Webhook.objects.create(
        organization=partner, url=f"https://{internal_name()}:9/hooks", events=["title.available"], secret="s"
    )
    [delivery] = webhook_event_publish(organization=partner, event_type="title.available", data={"id": 1})

    # when an attempt is made
    retry_in = webhook_delivery_attempt(delivery_id=delivery.pk)

    # then nothing is sent, the attempt is logged as refused and retried later like any failure
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.response_status is None and retry_in is not None
    assert "resolves to an internal address" in delivery.error and delivery.status == "retrying"
    assert webhook.pk == delivery.webhook_id


@pytest.mark.django_db
def test_webhook_secret_is_shown_once_and_duplicates_conflict(client_for, partner):
    client = client_for(partner, scopes=HOOK_SCOPES)
    body = {"url": "https://partner.example/h", "events": ["title.available", "title.withdrawn"]}

    created = client.post("/api/v1/webhooks/", body, format="json")
    again = client.post("/api/v1/webhooks/", body, format="json")

    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    assert "secret" not in client.get(f"/api/v1/webhooks/{created.json()['id']}/").json()
    assert all("secret" not in w for w in client.get("/api/v1/webhooks/").json())
    assert again.status_code == 409
    assert again.json()["code"] == "webhook_duplicate_url"


@pytest.mark.django_db
def test_publishing_an_event_twice_delivers_it_once_and_only_to_subscribers(
    partner, django_capture_on_commit_callbacks
):
    wants = Webhook.objects.create(
        organization=partner, url="https://a.example/h", events=["title.available"], secret="s"
    )
    Webhook.objects.create(organization=partner, url="https://b.example/h", events=["title.withdrawn"], secret="s")
    other = OrganizationFactory()
    Webhook.objects.create(organization=other, url="https://c.example/h", events=["title.available"], secret="s")
    import uuid

    event_id = uuid.uuid4()

    with django_capture_on_commit_callbacks(execute=False):
        webhook_event_publish(organization=partner, event_type="title.available", data={"id": 1}, event_id=event_id)
        webhook_event_publish(organization=partner, event_type="title.available", data={"id": 1}, event_id=event_id)

    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [wants.pk]


@pytest.mark.parametrize("attempt, seconds", [(1, 30), (2, 60), (3, 120), (8, 3840), (20, 6 * 3600)])
def test_backoff_doubles_per_attempt_and_is_capped(settings, attempt, seconds):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30

    assert webhook_backoff_seconds(attempt) == seconds


@pytest.mark.django_db
def test_foreign_webhook_answers_the_same_404_as_a_missing_one(client_for, partner, other_partner):
    foreign = Webhook.objects.create(organization=other_partner, url="https://x.example/h", events=["ping"], secret="s")
    client = client_for(partner, scopes=HOOK_SCOPES)

    for method, suffix in [("get", ""), ("delete", ""), ("get", "deliveries/"), ("post", "ping/")]:
        foreign_response = getattr(client, method)(f"/api/v1/webhooks/{foreign.pk}/{suffix}")
        missing_response = getattr(client, method)(f"/api/v1/webhooks/99999999/{suffix}")
        assert foreign_response.status_code == missing_response.status_code == 404, (method, suffix)
        assert foreign_response.json() == missing_response.json()
    assert Webhook.objects.filter(pk=foreign.pk).exists()
    assert client.get("/api/v1/webhooks/").json() == []


@pytest.mark.worker
@pytest.mark.slow
def test_a_real_worker_delivers_a_signed_event_to_a_loopback_receiver(
    client_for, partner, celery_worker_process, receiver, settings
):
    # given a partner's receiver on loopback, registered through the API, and a real worker
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint = receiver()
    client = client_for(partner, scopes=HOOK_SCOPES)
    webhook = client.post("/api/v1/webhooks/", {"url": endpoint.url, "events": ["title.available"]}, format="json")
    secret = webhook.json()["secret"]
    celery_worker_process(queues="default", WEBHOOKS_ALLOW_LOOPBACK="1")

    # when an event is published
    webhook_event_publish(organization=partner, event_type="title.available", data={"title_id": 42})

    # then it arrives once, signed with the webhook's secret over "timestamp.body"
    wait_for(lambda: endpoint.requests, timeout=60, message="the delivery")
    request = endpoint.requests[0]
    assert signature_valid(secret, request["headers"]["X-Migu-Signature"], request["body"])
    assert not signature_valid("whsec_wrong", request["headers"]["X-Migu-Signature"], request["body"])
    payload = json.loads(request["body"])
    assert payload["type"] == "title.available" and payload["data"] == {"title_id": 42}
    assert request["headers"]["X-Migu-Event-Id"] == payload["id"]
    deliveries = client.get(f"/api/v1/webhooks/{webhook.json()['id']}/deliveries/")
    wait_for(
        lambda: (
            client.get(f"/api/v1/webhooks/{webhook.json()['id']}/deliveries/").json()["results"][0]["status"]
            == "succeeded"
        ),
        message="the delivery to be logged",
    )
    deliveries = client.get(f"/api/v1/webhooks/{webhook.json()['id']}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"], d["response_status"]) for d in deliveries] == [("succeeded", 1, 200)]


@pytest.mark.worker
@pytest.mark.slow
def test_a_failing_receiver_is_retried_with_growing_delays_until_it_answers(
    client_for, partner, celery_worker_process, receiver, settings
):
    # given a receiver that fails twice, then accepts
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint = receiver(statuses=(500, 503, 200))
    client = client_for(partner, scopes=HOOK_SCOPES)
    webhook = client.post("/api/v1/webhooks/", {"url": endpoint.url, "events": ["title.updated"]}, format="json").json()
    celery_worker_process(queues="default", WEBHOOKS_ALLOW_LOOPBACK="1", WEBHOOK_RETRY_BASE_SECONDS="1")

    # when the partner pings it
    ping = client.post(f"/api/v1/webhooks/{webhook['id']}/ping/")

    # then three attempts arrive, one second then two seconds apart, and the log shows success
    assert ping.status_code == 202
    wait_for(lambda: len(endpoint.requests) >= 3, timeout=60, message="three attempts")
    gaps = [b["at"] - a["at"] for a, b in zip(endpoint.requests, endpoint.requests[1:])]
    assert 0.8 <= gaps[0] < gaps[1]
    assert len({r["headers"]["X-Migu-Event-Id"] for r in endpoint.requests}) == 1

    def logged():
        rows = client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/").json()["results"]
        return rows and rows[0]["status"] == "succeeded" and rows[0]

    delivery = wait_for(logged, message="the delivery to succeed")
    assert delivery["attempts"] == 3
    assert delivery["response_status"] == 200


@pytest.mark.django_db
def test_delivery_log_queries_do_not_grow_with_page_size(client_for, partner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    webhook = Webhook.objects.create(organization=partner, url="https://q.example/h", events=["ping"], secret="s")
    for n in range(6):
        WebhookDelivery.objects.create(
            webhook=webhook, event_id=f"00000000-0000-0000-0000-00000000000{n}", event_type="ping", payload={}
        )
    client = client_for(partner, scopes=HOOK_SCOPES)
    client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/?page_size=1")

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/?page_size={size}").json()
        assert len(body["results"]) == size
        return len(ctx.captured_queries)

    assert count(1) == count(6)


@pytest.mark.parametrize(
    "url",
    ["https://224.0.0.1/hook", "https://[ff02::1]/hook", "https://0.0.0.0/hook", "https://240.0.0.1/hook",
     "https://[::ffff:10.0.0.1]/hook", "https://[::]/hook"],
)  # fmt: skip
def test_multicast_reserved_and_unspecified_addresses_are_refused(url):
    from migu_platform.errors import DomainError
    from partners.webhooks import webhook_url_validate

    with pytest.raises(DomainError) as raised:
        webhook_url_validate(url)

    assert raised.value.code == "webhook_url_not_allowed"
