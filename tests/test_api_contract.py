"""The API contract: the served OpenAPI schema, fuzzed by schemathesis as a demo partner, and the docs page."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from catalog.models import Drama
from catalog.tests.factories import EpisodeFactory
from localization.models import DramaLocalization
from partners.services import api_key_create
from partners.tests.factories import ChannelFactory, OrganizationFactory
from rights.tests.factories import drama_with_rights_in, grant_out

ALL_SCOPES = ["catalog:read", "events:write", "webhooks:manage", "keys:manage"]


def demo_partner() -> str:
    """A partner with a few licensed, localised titles and a channel; returns its raw key."""
    partner = OrganizationFactory(slug="demo-partner", name="Demo Partner")
    for _ in range(3):
        drama = drama_with_rights_in()
        Drama.objects.filter(pk=drama.pk).update(status="published")
        for number in (1, 2):
            EpisodeFactory(drama=drama, number=number)
        DramaLocalization.objects.create(drama=drama, language="en", title=f"Title {drama.pk}")
        grant_out(drama, partner, territories=["TH", "SG"])
    ChannelFactory(organization=partner)
    return api_key_create(organization=partner, name="fuzz", scopes=ALL_SCOPES).raw_key


@pytest.fixture
def gunicorn_server(gunicorn_process):
    """The API served by gunicorn (as in production) on the test database; yields its base URL."""
    # The fuzzer is one key sending hundreds of requests: lift the per-key rate limit for it.
    return gunicorn_process(MIGU_API_KEY_RATE="100000/min")


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(gunicorn_server, tmp_path):
    # given a demo partner
    raw_key = demo_partner()

    # when schemathesis fuzzes every operation of the schema gunicorn serves
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")), "run", f"{gunicorn_server}/api/schema/",
            "-H", f"Authorization: Api-Key {raw_key}",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases", "examples,coverage,fuzzing", "--mode", "all", "--generation-allow-x00", "true", "-n", "10", "-w", "1", "--seed", "1",
            "--generation-database", "none", "--no-color",
        ],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip

    # then every generated case passed
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert re.search(r"\d+ generated, \d+ passed", summary), summary
    assert "Tested: " in summary


@pytest.mark.django_db
def test_every_operation_documents_its_errors_with_examples(client):
    schema = client.get("/api/schema/?format=json", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 20
    for path, method, op in operations:
        responses = op["responses"]
        for status in ("401", "403", "429"):
            assert status in responses, (path, method, status)
            assert responses[status]["content"]["application/json"]["examples"], (path, method, status)
        if "{" in path:
            assert "404" in responses, (path, method)
        if method in ("post", "put", "patch"):
            assert {"400", "413"} <= set(responses), (path, method)


@pytest.mark.django_db
def test_docs_page_references_only_local_assets(client):
    response = client.get(reverse("api-docs"))

    html = response.content.decode()
    assert response.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""url:\s*["']([^"']+)["']""", html)
    assert urls, html
    assert not [u for u in urls if re.match(r"^(https?:)?//", u)], urls
    assert "cdn" not in html.lower()
    for url in [u for u in urls if u.endswith((".js", ".css"))]:
        asset = client.get(url)
        assert asset.status_code == 200, url
