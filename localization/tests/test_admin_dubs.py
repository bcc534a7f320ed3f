"""A localization manager uploads dubs in the admin and reads what their checks found."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from catalog.tests.factories import EpisodeFactory
from localization.models import DubStatus, DubVersion
from localization.tests.dub_samples import audio_make
from tests.admin_helpers import staff_user

pytestmark = pytest.mark.django_db

UPLOAD = reverse("admin:localization_dubversion_upload")


@pytest.fixture
def translator(client):
    client.force_login(staff_user("localization"))
    return client


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin-dubs")
    return {
        "good": audio_make(folder / "ep1.yue.wav", seconds=3),
        "silent": audio_make(folder / "ep1.silent.wav", seconds=3, source="silence"),
    }


def post(client, episode, path, language="yue"):
    with path.open("rb") as handle:
        return client.post(UPLOAD, {"episode": episode.pk, "language": language, "file": handle})


def test_a_good_dub_goes_live_and_its_version_page_shows_its_facts(translator, files):
    # given a 3 s episode
    episode = EpisodeFactory(duration_seconds=3)

    # when a Cantonese dub is uploaded
    response = post(translator, episode, files["good"])

    # then it is live, the manager is told so and lands on its read-only page
    version = DubVersion.objects.get()
    assert version.status == DubStatus.LIVE and version.track.language == "yue"
    assert response.status_code == 302 and response.url == reverse(
        "admin:localization_dubversion_change", args=[version.pk]
    )
    assert "is live" in next(str(m) for m in get_messages(response.wsgi_request))
    page = translator.get(response.url)
    assert page.status_code == 200 and "48000" in page.content.decode()


def test_a_silent_dub_is_refused_by_name_and_the_live_one_stays(translator, files):
    # given a live dub
    episode = EpisodeFactory(duration_seconds=3)
    post(translator, episode, files["good"])

    # when an all-silent file is uploaded for the same language
    response = post(translator, episode, files["silent"])

    # then the manager reads the code and the sentence, and the first version is still live
    message = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert "dub_silent" in message and "silent throughout" in message
    assert list(DubVersion.objects.order_by("number").values_list("status", flat=True)) == ["live", "rejected"]
    assert translator.get(reverse("admin:localization_dubversion_changelist")).status_code == 200


def test_a_bad_language_tag_is_shown_on_the_form(translator, files):
    episode = EpisodeFactory(duration_seconds=3)
    response = post(translator, episode, files["good"], language="Cantonese!")
    assert response.status_code == 200 and "invalid_language" in response.content.decode()
    assert not DubVersion.objects.exists()


def test_staff_without_the_localization_role_cannot_upload(client, files):
    client.force_login(staff_user("rights"))
    episode = EpisodeFactory(duration_seconds=3)
    assert post(client, episode, files["good"]).status_code == 403
    assert not DubVersion.objects.exists()
