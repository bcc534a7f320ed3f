"""Helpers for admin tests: log in staff users per role, and submit an admin form as a browser would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.forms import BaseForm, CheckboxInput, FileInput, ModelMultipleChoiceField, MultipleChoiceField

STAFF_ROLES = ("content", "rights", "localization", "translator", "reviewer")


def staff_user(role: str, password: str | None = None):
    """A staff user in the group `role` (created by the post_migrate hook), or a superuser.

    Without a password (tests log in with force_login) no slow password hash is computed.
    """
    User = get_user_model()
    username = "root" if role == "superuser" else f"{role}-manager"
    user = User.objects.create(username=username, is_staff=True, is_superuser=role == "superuser")
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    if role != "superuser":
        user.groups.add(Group.objects.get(name=role))
    return user


def _form_data(form: BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if isinstance(field.widget, FileInput):
            continue
        bound = form[name]
        key = bound.html_name
        value = bound.value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[key] = "on"
            continue
        if isinstance(field, MultipleChoiceField | ModelMultipleChoiceField):
            data[key] = [str(item) for item in field.prepare_value(value or [])]
            continue
        value = field.prepare_value(value) if value is not None else ""
        if isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        else:
            data[key] = "" if value is None else str(value)
    return data


def changeform_data(response) -> dict[str, Any]:
    """The POST data of an admin add/change page as rendered (main form, inlines, management forms)."""
    context = response.context
    data = _form_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- One object of each model registered in the admin, with what its page shows --------------


def _ladder_ready(episode) -> None:
    """A live ladder row (no files: the admin shows its state and links its preview)."""
    from media.models import Ladder, LadderStatus

    Ladder.objects.create(
        episode=episode, profile="vertical", source_checksum="0" * 64, status=LadderStatus.READY, storage_prefix="l/"
    )


def _drama():
    from catalog.tests.factories import ArtworkFactory, CreditFactory, drama_with_episodes

    drama = drama_with_episodes(3)
    CreditFactory(drama=drama)
    ArtworkFactory(drama=drama)
    _ladder_ready(drama.episodes.first())
    return drama


def _episode():
    from catalog.tests.factories import EpisodeFactory

    episode = EpisodeFactory()
    _ladder_ready(episode)
    return episode


def _organization():
    from partners.services import api_key_create
    from partners.tests.factories import ChannelFactory, MembershipFactory, OrganizationFactory

    organization = OrganizationFactory()
    ChannelFactory(organization=organization)
    MembershipFactory(organization=organization)
    api_key_create(organization=organization, name="app")
    return organization


def _job():
    from catalog.tests.factories import EpisodeFactory
    from jobs.services import job_create, job_fail

    job = job_create(kind="transcode", target=EpisodeFactory())
    return job_fail(job=job, code="invalid_media", error="truncated", log_tail="ffmpeg: moov atom not found")


def _glossary_term():
    from catalog.tests.factories import DramaFactory
    from localization.models import GlossaryTerm

    term = GlossaryTerm.objects.create(drama=DramaFactory(), term="林晚", category="character")
    term.translations.create(language="en", text="Lin Wan")
    return term


def _episode_localization():
    from catalog.tests.factories import EpisodeFactory
    from localization.models import EpisodeLocalization

    return EpisodeLocalization.objects.create(episode=EpisodeFactory(), language="en", title="Episode 1")


def _subtitle_version():
    from catalog.tests.factories import EpisodeFactory
    from localization.services import subtitle_ingest

    data = b"1\r\n00:00:01,000 --> 00:00:03,000\r\nWhy did you come back?\r\n"
    return subtitle_ingest(episode=EpisodeFactory(), language="en", kind="full", filename="ep001.en.srt", data=data)


def _dub_version():
    from catalog.tests.factories import EpisodeFactory
    from localization.models import DubTrack, DubVersion

    track = DubTrack.objects.create(episode=EpisodeFactory(), language="yue")
    return DubVersion.objects.create(track=track, number=1, source="dubs/x.wav", checksum_sha256="0" * 64)


def _api_key():
    from partners.services import api_key_create
    from partners.tests.factories import OrganizationFactory

    return api_key_create(organization=OrganizationFactory(), name="app").api_key


def _factory(path: str) -> Callable:
    def make():
        module_name, _, name = path.rpartition(".")
        module = __import__(module_name, fromlist=[name])
        return getattr(module, name)()

    return make


# An object to open the change page of; models registered later by other apps fall back to any row.
OBJECT_MAKERS: dict[str, Callable] = {
    "catalog.drama": _drama,
    "catalog.episode": _episode,
    "catalog.artwork": _factory("catalog.tests.factories.ArtworkFactory"),
    "catalog.genre": _factory("catalog.tests.factories.GenreFactory"),
    "catalog.trope": _factory("catalog.tests.factories.TropeFactory"),
    "catalog.person": _factory("catalog.tests.factories.PersonFactory"),
    "catalog.sourcework": _factory("catalog.tests.factories.SourceWorkFactory"),
    "localization.dramalocalization": _factory("catalog.tests.factories.DramaLocalizationFactory"),
    "localization.episodelocalization": _episode_localization,
    "localization.subtitleversion": _subtitle_version,
    "localization.dubversion": _dub_version,
    "localization.glossaryterm": _glossary_term,
    "partners.organization": _organization,
    "partners.channel": _factory("partners.tests.factories.ChannelFactory"),
    "partners.apikey": _api_key,
    "jobs.job": _job,
    "auth.user": _factory("partners.tests.factories.UserFactory"),
    "auth.group": lambda: Group.objects.get(name="content"),
}
