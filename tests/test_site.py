"""The landing page, and error answers that are never Django's technical pages."""

import pytest
from django.test import Client
from django.urls import include, path

from migu_platform.api.error_responses import NOT_FOUND_BODY


def _crash(request):
    raise RuntimeError("a view that crashes")


# A test URLconf: the platform's URLs plus a view that crashes, under /api/ and outside it.
urlpatterns = [
    path("api/v1/crash/", _crash),
    path("crash/", _crash),
    path("", include("migu_platform.urls")),
]
handler404 = "migu_platform.views.page_not_found"
handler500 = "migu_platform.views.server_error"


@pytest.fixture
def crashing_urls(settings):
    settings.ROOT_URLCONF = __name__
    # A crash reaches the handlers as it does in a server, instead of being raised into the test.
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_landing_page_leads_each_user_to_their_place(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html and "<main" in html and "<h1>" in html
    for href in ('href="/admin/"', 'href="/api/docs/"', 'href="/api/schema/"', 'href="/api/redoc/"', 'href="/healthz"'):
        assert href in html
    assert 'href="/static/site/migu-site.css"' in html
    assert "http://" not in html and "https://" not in html  # nothing loaded from another host


@pytest.mark.django_db
def test_the_landing_pages_admin_link_leads_to_the_admin_sign_in(client):
    response = client.get("/admin/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith("/admin/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url", ["/api/v1/titles/not-a-number/", "/api/v1/nowhere/", "/api/nowhere", "/api/"])
def test_unmatched_api_urls_answer_the_json_404_of_the_error_shape(client, settings, debug, url):
    settings.DEBUG = debug

    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND_BODY


@pytest.mark.django_db
def test_an_api_url_missing_its_slash_is_still_redirected(client):
    response = client.get("/api/v1/titles")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/titles/"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_method_an_api_url_refuses_answers_the_json_405_of_the_error_shape(client, settings, debug):
    settings.DEBUG = debug

    response = client.post("/api/docs/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_under_the_api_answers_the_json_500_of_the_error_shape(crashing_urls, settings, debug):
    settings.DEBUG = debug

    response = crashing_urls.get("/api/v1/crash/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "server_error", "detail": "Something went wrong on our side."}


@pytest.mark.django_db
def test_a_crash_outside_the_api_answers_the_platforms_500_page(crashing_urls):
    response = crashing_urls.get("/crash/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and "migu-site.css" in html
    assert "Traceback" not in html


@pytest.mark.django_db
def test_an_unmatched_url_outside_the_api_answers_the_platforms_404_page(client):
    response = client.get("/nowhere")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Page not found" in html and 'href="/"' in html
    assert "URLconf" not in html


@pytest.mark.django_db
def test_a_page_refused_to_its_viewer_answers_the_platforms_403_page(client, django_user_model):
    # given a staff user without any permission
    client.force_login(django_user_model.objects.create(username="no-grants", is_staff=True))

    response = client.get("/admin/auth/user/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and "migu-site.css" in html and 'href="/"' in html


@pytest.mark.django_db
def test_a_request_for_a_foreign_host_outside_the_api_answers_the_platforms_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Bad request" in html and "migu-site.css" in html
