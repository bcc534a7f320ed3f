"""Load the demo catalogue: idempotent, through the domain services, in one transaction.

A second run creates nothing and changes nothing: every row has a natural key (slugs, usernames,
ALIDs, (drama, language), transaction ids of windows, ...) and is only created when missing.
Dramas walk the status workflow only when they are created, so a title a manager retired in the
admin stays retired; a demo licence that the rights rules refuse (a manager's exclusive window
over it, say) is skipped with its reason instead of stopping `make run`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, FloatField, Func
from django.db.models.functions import Cast, Mod
from django.utils import timezone

from catalog.demo import data
from catalog.demo.artwork import ARTWORK_SIZES, artwork_render
from catalog.demo.events import demo_events_ensure
from catalog.demo.media import demo_dub_languages, demo_media_ensure
from catalog.identifiers import eidr_with_check
from catalog.models import (
    Artwork,
    ArtworkKind,
    Credit,
    CreditRole,
    Drama,
    DramaStatus,
    Episode,
    ExternalId,
    ExternalIdScheme,
    Genre,
    Person,
    SourceWork,
    Trope,
)
from catalog.services import drama_create, drama_transition, episode_bulk_create
from localization.models import DramaLocalization, TranslationStatus
from localization.services import drama_localization_upsert
from migu_platform.errors import DomainError
from partners.models import ApiKey, Channel, Membership, Organization
from partners.selectors import api_key_by_raw_key
from partners.services import api_key_create, api_key_revoke, channel_create, membership_set, organization_create
from rights.models import RightsDirection, RightsWindow
from rights.services import rights_window_grant

# The workflow steps a new demo drama takes to reach its target status.
STATUS_PATH: dict[str, tuple[str, ...]] = {
    DramaStatus.DRAFT: (),
    DramaStatus.READY: (DramaStatus.READY,),
    DramaStatus.PUBLISHED: (DramaStatus.READY, DramaStatus.PUBLISHED),
    DramaStatus.RETIRED: (DramaStatus.READY, DramaStatus.PUBLISHED, DramaStatus.RETIRED),
}
# (kind, language): one text-free cover for every language, and English titled cards.
ARTWORK_SET: tuple[tuple[str, str], ...] = (
    (ArtworkKind.COVER_9x16, ""),
    (ArtworkKind.COVER_9x16, "en"),
    (ArtworkKind.POSTER_2x3, "en"),
    (ArtworkKind.BANNER_16x9, "en"),
)


@dataclass
class SeedReport:
    """What a run created (per kind of row), where the credentials are, and how long it took."""

    created: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    credentials_path: Path | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        made = ", ".join(f"{count} {name}" for name, count in sorted(self.created.items()) if count) or "nothing new"
        return f"Demo catalogue ready in {self.seconds:.1f} s ({made}); logins in {self.credentials_path}."


def drama_eidr(key: str) -> str:
    """A stable, valid EIDR for a demo drama (the body derives from its key)."""
    digits = hashlib.sha256(f"eidr:{key}".encode()).hexdigest()[:20].upper()
    return eidr_with_check("-".join(digits[i : i + 4] for i in range(0, 20, 4)))


def drama_alid(key: str) -> str:
    """The ALID of a demo drama, in the EIDR-based scheme (md:alid:eidr-s:<suffix>)."""
    return f"md:alid:eidr-s:{drama_eidr(key).removeprefix('10.5240/')}"


def seed_demo(*, credentials_path: Path) -> SeedReport:
    """Create whatever part of the demo catalogue is missing and write the demo credentials file."""
    started = time.monotonic()
    report = SeedReport(credentials_path=credentials_path)
    previous = credentials_read(credentials_path)
    work = background_work_start()
    try:
        with transaction.atomic():
            organizations = organizations_ensure(report=report)
            dramas = dramas_ensure(organizations=organizations, report=report, work=work)
            licences_ensure(dramas=dramas, organizations=organizations, report=report)
            report.created["playback events"] += demo_events_ensure()
            if settings.DEMO_MEDIA:
                report.created.update(demo_media_ensure(dramas=dramas))
            keys = api_keys_ensure(organizations=organizations, previous=previous, report=report)
            staff = staff_users_ensure(report=report, work=work)
            members = organization_users_ensure(organizations=organizations, report=report, work=work)
    finally:
        work.close()
    credentials = {
        "staff": staff,
        "organizations": [
            {
                "slug": organization.slug,
                "kind": organization.kind,
                "territories": list(organization.territories),
                "languages": list(organization.languages),
                "api_key": keys[organization.slug],
                "users": members[organization.slug],
            }
            for organization in organizations.values()
        ],
    }
    credentials_write(credentials_path, credentials)
    report.seconds = time.monotonic() - started
    return report


# --- Credentials file ------------------------------------------------------------------------------


def credentials_read(path: Path) -> dict[str, str]:
    """The raw API keys of the previous run (slug -> key); empty if there is no readable file."""
    try:
        payload = json.loads(path.read_text())
        return {org["slug"]: org["api_key"] for org in payload.get("organizations", []) if org.get("api_key")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def credentials_write(path: Path, credentials: dict) -> None:
    """Write atomically and readable by the owner only (it holds raw keys and passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(credentials, indent=2, ensure_ascii=False) + "\n"
    if path.exists() and path.read_text() == body:
        return
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo_credentials.", suffix=".json")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(body)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- Tenants and people who log in ------------------------------------------------------------------


def organizations_ensure(*, report: SeedReport) -> dict[str, Organization]:
    """Licensors, partners and operators with their channels (slug -> organization, in data order)."""
    existing = {org.slug: org for org in Organization.objects.filter(slug__in=[o.slug for o in data.ORGANIZATIONS])}
    channels = set(Channel.objects.filter(organization__in=existing.values()).values_list("organization_id", "slug"))
    result: dict[str, Organization] = {}
    for spec in data.ORGANIZATIONS:
        organization = existing.get(spec.slug)
        if organization is None:
            organization = organization_create(
                name=spec.name,
                slug=spec.slug,
                kind=spec.kind,
                territories=list(spec.territories),
                languages=list(spec.languages),
            )
            report.created["organizations"] += 1
        for channel in spec.channels:
            if (organization.pk, channel.slug) in channels:
                continue
            channel_create(
                organization=organization,
                name=channel.name,
                slug=channel.slug,
                kind=channel.kind,
                territories=list(channel.territories),
                languages=list(channel.languages),
            )
            report.created["channels"] += 1
        result[spec.slug] = organization
    return result


class BackgroundWork:
    """The CPU-bound parts of a run, computed in threads while the catalogue is written.

    PBKDF2 password hashes (a third of a second each here) and artwork images (encoding in Pillow)
    release the GIL, and the main thread spends most of its time waiting on PostgreSQL: started
    first, they are ready by the time users and artwork rows are created. Each result is keyed,
    so users sharing a password share one hash.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
        self._futures: dict[tuple, Future] = {}

    def submit(self, key: tuple, function, /, **kwargs) -> None:
        if key not in self._futures:
            self._futures[key] = self._pool.submit(function, **kwargs)

    def result(self, key: tuple, function, /, **kwargs):
        self.submit(key, function, **kwargs)
        return self._futures[key].result()

    def password_hash(self, raw: str) -> str:
        return self.result(("password", raw), make_password, password=raw)

    def artwork(self, spec: data.DemoDrama, kind: str, language: str) -> tuple[bytes, str]:
        return self.result(("artwork", spec.key, kind, language), artwork_render, **artwork_card(spec, kind, language))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def demo_logins() -> dict[str, str]:
    """Every demo username with its password."""
    logins = {username: password for username, _role, password in data.STAFF}
    for spec in data.ORGANIZATIONS:
        for role, password in data.ORGANIZATION_USER_PASSWORDS.items():
            logins[f"{spec.slug}-{role}"] = password
    return logins


def artwork_card(spec: data.DemoDrama, kind: str, language: str) -> dict[str, str]:
    """What a demo artwork shows: the ≤60 title form (long full titles do not fit a phone-sized
    cover) and the episode count, or nothing for the text-free cover."""
    if not language:
        return {"key": spec.key, "kind": kind}
    title = spec.titles[language]
    return {
        "key": spec.key,
        "kind": kind,
        "title": title.medium_form or title.full,
        "caption": f"{spec.episodes} episodes",
    }


def background_work_start() -> BackgroundWork:
    """Start hashing the passwords of missing users and drawing the missing artwork."""
    work = BackgroundWork()
    logins = demo_logins()
    existing = set(get_user_model().objects.filter(username__in=logins).values_list("username", flat=True))
    for username, password in logins.items():
        if username not in existing:
            work.submit(("password", password), make_password, password=password)
    specs = {drama_alid(spec.key): spec for spec in data.DRAMAS}
    drawn = set(Artwork.objects.filter(drama__alid__in=specs).values_list("drama__alid", "kind", "language"))
    for alid, spec in specs.items():
        for kind, language in ARTWORK_SET:
            if (alid, kind, language) not in drawn:
                work.submit(("artwork", spec.key, kind, language), artwork_render, **artwork_card(spec, kind, language))
    return work


def staff_users_ensure(*, report: SeedReport, work: BackgroundWork) -> list[dict[str, str]]:
    """The superuser "admin" and one staff user per staff group; returns their credentials."""
    User = get_user_model()
    existing = {user.username: user for user in User.objects.filter(username__in=[s[0] for s in data.STAFF])}
    credentials = []
    for username, role, password in data.STAFF:
        user = existing.get(username)
        if user is None:
            user = User.objects.create(
                username=username,
                email=f"{username}@migu.example",
                password=work.password_hash(password),
                is_staff=True,
                is_superuser=role == "superuser",
            )
            report.created["users"] += 1
        if role != "superuser":
            group, _ = Group.objects.get_or_create(name=role)
            if not user.groups.filter(pk=group.pk).exists():
                user.groups.add(group)
        credentials.append({"username": username, "password": password, "role": role})
    return credentials


def organization_users_ensure(
    *, organizations: dict[str, Organization], report: SeedReport, work: BackgroundWork
) -> dict[str, list[dict[str, str]]]:
    """An admin and a viewer per organization (slug -> their credentials)."""
    User = get_user_model()
    wanted = {
        f"{slug}-{role}": (organization, role)
        for slug, organization in organizations.items()
        for role in data.ORGANIZATION_USER_PASSWORDS
    }
    users = {user.username: user for user in User.objects.filter(username__in=wanted)}
    memberships = dict(
        Membership.objects.filter(user__username__in=wanted).values_list("user__username", "role").iterator()
    )
    result: dict[str, list[dict[str, str]]] = {slug: [] for slug in organizations}
    for username, (organization, role) in wanted.items():
        password = data.ORGANIZATION_USER_PASSWORDS[role]
        user = users.get(username)
        if user is None:
            user = User.objects.create(
                username=username,
                email=f"{username}@{organization.slug}.example",
                password=work.password_hash(password),
            )
            report.created["users"] += 1
        if memberships.get(username) != role:
            membership_set(user=user, organization=organization, role=role)
            report.created["memberships"] += 1
        result[organization.slug].append({"username": username, "password": password, "role": role})
    return result


def api_keys_ensure(*, organizations: dict[str, Organization], previous: dict[str, str], report: SeedReport):
    """One usable key per organization (slug -> raw key): the previous run's if it still works, else a new one.

    A replaced demo key is revoked: nobody knows its raw value any more, so it must not stay usable.
    """
    keys: dict[str, str] = {}
    for slug, organization in organizations.items():
        raw = previous.get(slug)
        api_key = api_key_by_raw_key(raw_key=raw) if raw else None
        if raw and api_key is not None and api_key.organization_id == organization.pk and api_key.is_usable:
            keys[slug] = raw
            continue
        stale = ApiKey.objects.filter(organization=organization, name=data.DEMO_API_KEY_NAME, revoked_at__isnull=True)
        for old in stale:
            api_key_revoke(api_key=old)
        issued = api_key_create(
            organization=organization, name=data.DEMO_API_KEY_NAME, scopes=list(data.API_KEY_SCOPES[organization.kind])
        )
        keys[slug] = issued.raw_key
        report.created["api keys"] += 1
    return keys


# --- Catalogue ----------------------------------------------------------------------------------------


def _get_or_create_by(model, key_field: str, rows: Iterable[dict], report: SeedReport, label: str) -> dict:
    rows = list(rows)
    existing = {
        getattr(obj, key_field): obj
        for obj in model.objects.filter(**{f"{key_field}__in": [r[key_field] for r in rows]})
    }
    missing = [model(**row) for row in rows if row[key_field] not in existing]
    for obj in missing:
        obj.full_clean()
    for obj in model.objects.bulk_create(missing):
        existing[getattr(obj, key_field)] = obj
    report.created[label] += len(missing)
    return existing


def vocabulary_ensure(*, report: SeedReport) -> tuple[dict[str, Genre], dict[str, Trope]]:
    """The genre list and the trope vocabulary (slug -> row)."""
    genres = _get_or_create_by(Genre, "slug", ({"slug": s, "name": n} for s, n in data.GENRES), report, "genres")
    tropes = _get_or_create_by(
        Trope, "slug", ({"slug": s, "name": n, "description": d} for s, n, d in data.TROPES), report, "tropes"
    )
    return genres, tropes


def people_ensure(*, report: SeedReport) -> dict[str, Person]:
    """Cast and crew (name as credited -> person)."""
    pool = {*data.DIRECTORS, *data.WRITERS, *data.PRODUCERS, *data.ACTRESSES, *data.ACTORS}
    return _get_or_create_by(
        Person, "name", ({"name": name, "latin_name": latin} for name, latin in sorted(pool)), report, "people"
    )


def source_works_ensure(*, report: SeedReport) -> dict[str, SourceWork]:
    """The novels the dramas adapt (demo key -> row), keyed in the database by title and author."""
    existing = {
        (w.title, w.author): w for w in SourceWork.objects.filter(title__in=[s.title for s in data.SOURCE_WORKS])
    }
    result = {}
    for spec in data.SOURCE_WORKS:
        work = existing.get((spec.title, spec.author))
        if work is None:
            work = SourceWork(title=spec.title, author=spec.author, kind=spec.kind, publisher=spec.publisher)
            work.full_clean()
            work.save()
            report.created["source works"] += 1
        result[spec.key] = work
    return result


def dramas_ensure(
    *, organizations: dict[str, Organization], report: SeedReport, work: BackgroundWork
) -> dict[str, Drama]:
    """Every demo drama with its episodes, localisations, credits, artwork and identifiers (key -> drama)."""
    genres, tropes = vocabulary_ensure(report=report)
    people = people_ensure(report=report)
    source_works = source_works_ensure(report=report)
    alids = {drama_alid(spec.key): spec for spec in data.DRAMAS}
    existing = {drama.alid: drama for drama in Drama.objects.filter(alid__in=alids)}
    dramas: dict[str, Drama] = {}
    created: list[tuple[Drama, data.DemoDrama]] = []
    for alid, spec in alids.items():
        drama = existing.get(alid)
        if drama is None:
            drama = drama_create(
                owner=organizations[spec.owner],
                original_title=spec.original_title,
                original_language=spec.original_language,
                format=spec.format,
                genres=[genres[slug] for slug in spec.genres],
                tropes=[tropes[slug] for slug in spec.tropes],
                source_work=source_works[spec.source] if spec.source else None,
                production_year=spec.year,
                eidr=drama_eidr(spec.key),
                alid=alid,
                free_episode_count=spec.free_episode_count,
                unlock_price_tier=spec.unlock_price_tier,
            )
            created.append((drama, spec))
            report.created["dramas"] += 1
        dramas[spec.key] = drama
    specs = {spec.key: spec for spec in data.DRAMAS}
    episodes_ensure(dramas=dramas, specs=specs, report=report)
    localizations_ensure(dramas=dramas, specs=specs, source_works=source_works, report=report)
    credits_ensure(dramas=dramas, specs=specs, people=people, report=report)
    external_ids_ensure(dramas=dramas, organizations=organizations, report=report)
    artworks_ensure(dramas=dramas, specs=specs, report=report, work=work)
    for drama, spec in created:
        for status in STATUS_PATH[spec.status]:
            drama = drama_transition(drama=drama, to_status=status)
        dramas[spec.key] = drama
    return dramas


# Episode lengths: micro-drama episodes run one to three minutes, series episodes about 45 minutes.
DURATION_RANGE: dict[str, tuple[int, int]] = {"vertical": (60, 180), "horizontal": (40 * 60, 47 * 60)}


def episodes_ensure(*, dramas: dict[str, Drama], specs: dict[str, data.DemoDrama], report: SeedReport) -> None:
    """Episodes 1..N through the bulk service, then varied durations and a cliffhanger time-code each.

    The variation is computed in one UPDATE per drama from the episode number (stable across runs)
    rather than row by row.
    """
    counts = dict(
        Drama.objects.filter(pk__in=[d.pk for d in dramas.values()])
        .annotate(n=Count("episodes"))
        .values_list("pk", "n")
    )
    for key, drama in dramas.items():
        spec = specs[key]
        if counts.get(drama.pk, 0) >= spec.episodes:
            continue
        created = episode_bulk_create(drama=drama, numbers=range(1, spec.episodes + 1))
        low, high = DURATION_RANGE[spec.format]
        offset = int(hashlib.sha256(key.encode()).hexdigest()[:6], 16)
        duration = low + Mod(F("number") * 7919 + offset, high - low + 1)
        # Micro-dramas end every episode on a hook a few seconds before the end.
        hook = duration - (3 + Mod(F("number"), 6))
        Episode.objects.filter(pk__in=[e.pk for e in created]).update(
            duration_seconds=duration,
            cliffhanger_timecodes=Func(
                Cast(hook, FloatField()), function="ARRAY", template="%(function)s[%(expressions)s]"
            ),
        )
        report.created["episodes"] += len(created)


def synopses(
    spec: data.DemoDrama, language: str, source_work: SourceWork | None
) -> tuple[str, str, str]:  # fmt: skip
    """The short (≤190), medium (≤400) and long (≤4000) synopsis of a drama in `language`."""
    lang = data.TEMPLATE_LANGUAGE.get(language, language)
    traditional = lang == "zh-Hant-HK"

    def name(person: tuple[str, str]) -> str:
        if lang == "en":
            return person[1]
        return person[0].translate(data.SIMPLIFIED_TO_TRADITIONAL) if traditional else person[0]

    names = {"lead": name(spec.lead), "partner": name(spec.partner)}
    primary, *others = spec.tropes
    premise = data.PREMISE[primary][lang].format(**names)
    turns = [data.TURN[trope][lang] for trope in (*others, primary)]
    separator = "" if lang.startswith("zh") else " "
    short = premise
    medium = separator.join([premise, turns[0]])
    extra = []
    if source_work is not None:
        title = source_work.title.translate(data.SIMPLIFIED_TO_TRADITIONAL) if traditional else source_work.title
        author = source_work.author.translate(data.SIMPLIFIED_TO_TRADITIONAL) if traditional else source_work.author
        extra.append(data.SOURCE_LINE[lang].format(source=title, author=author))
    extra.append(data.FORMAT_LINE[spec.format][lang].format(episodes=spec.episodes))
    long = separator.join([premise, *turns, *extra])
    return short, medium, long


def localization_status(spec: data.DemoDrama, language: str) -> str:
    if language in (spec.original_language, "en"):
        return TranslationStatus.APPROVED
    choices = [TranslationStatus.APPROVED, TranslationStatus.APPROVED, TranslationStatus.IN_REVIEW]
    if spec.status in (DramaStatus.DRAFT, DramaStatus.READY):
        choices.append(TranslationStatus.MACHINE)
    return random.Random(f"l10n:{spec.key}:{language}").choice(choices)


def localizations_ensure(
    *, dramas: dict[str, Drama], specs: dict[str, data.DemoDrama], source_works: dict[str, SourceWork],
    report: SeedReport,
) -> None:  # fmt: skip
    """Titles (full / ≤60 / ≤19) and synopses (≤190 / ≤400 / ≤4000) in each of a drama's languages."""
    present = set(
        DramaLocalization.objects.filter(drama__in=dramas.values()).values_list("drama_id", "language").iterator()
    )
    for key, drama in dramas.items():
        spec = specs[key]
        source_work = source_works[spec.source] if spec.source else None
        for language, title in spec.titles.items():
            if (drama.pk, language) in present:
                continue
            short, medium, long = synopses(spec, language, source_work)
            drama_localization_upsert(
                drama=drama,
                language=language,
                title=title.full,
                title_medium=title.medium_form,
                title_short=title.short_form,
                synopsis_short=short,
                synopsis_medium=medium,
                synopsis_long=long,
                status=localization_status(spec, language),
            )
            report.created["localizations"] += 1


def credits_ensure(
    *, dramas: dict[str, Drama], specs: dict[str, data.DemoDrama], people: dict[str, Person], report: SeedReport
) -> None:
    """Director, screenwriter, producer and the two leads of each drama, chosen stably from the pool."""
    present = set(Credit.objects.filter(drama__in=dramas.values()).values_list("drama_id", "person_id", "role"))
    missing: list[Credit] = []
    for key, drama in dramas.items():
        spec = specs[key]
        rng = random.Random(f"credits:{key}")
        lead_pool, partner_pool = (
            (data.ACTORS, data.ACTRESSES) if key in data.MALE_LEADS else (data.ACTRESSES, data.ACTORS)
        )
        rows = [
            (rng.choice(data.DIRECTORS), CreditRole.DIRECTOR, ""),
            (rng.choice(data.WRITERS), CreditRole.WRITER, ""),
            (rng.choice(data.PRODUCERS), CreditRole.PRODUCER, ""),
            (rng.choice(lead_pool), CreditRole.ACTOR, spec.lead[0]),
            (rng.choice(partner_pool), CreditRole.ACTOR, spec.partner[0]),
        ]
        for order, ((name, _latin), role, character) in enumerate(rows):
            person = people[name]
            if (drama.pk, person.pk, role) in present:
                continue
            missing.append(Credit(drama=drama, person=person, role=role, character_name=character, billing_order=order))
            present.add((drama.pk, person.pk, role))
    Credit.objects.bulk_create(missing)
    report.created["credits"] += len(missing)


def external_ids_ensure(
    *, dramas: dict[str, Drama], organizations: dict[str, Organization], report: SeedReport
) -> None:
    """EIDR and ALID as external ids of every drama, and a few partners' own content ids."""
    wanted: list[tuple[Drama, ExternalIdScheme, str, Organization | None]] = []
    for drama in dramas.values():
        wanted.append((drama, ExternalIdScheme.EIDR, drama.eidr, None))
        wanted.append((drama, ExternalIdScheme.ALID, drama.alid, None))
    for slug, key, value in data.PARTNER_IDS:
        wanted.append((dramas[key], ExternalIdScheme.PARTNER, value, organizations[slug]))
    present = set(
        ExternalId.objects.filter(drama__in=dramas.values()).values_list("scheme", "value", "organization_id")
    )
    missing = []
    for drama, scheme, value, organization in wanted:
        if (scheme, value, organization.pk if organization else None) in present:
            continue
        external_id = ExternalId(drama=drama, scheme=scheme, value=value, organization=organization)
        external_id.full_clean(validate_constraints=False)
        missing.append(external_id)
    ExternalId.objects.bulk_create(missing)
    report.created["external ids"] += len(missing)


def artworks_ensure(
    *, dramas: dict[str, Drama], specs: dict[str, data.DemoDrama], report: SeedReport, work: BackgroundWork
) -> None:
    """A text-free cover and English titled cards (9:16, 2:3, 16:9) per drama, stored through Django storage."""
    present = set(Artwork.objects.filter(drama__in=dramas.values()).values_list("drama_id", "kind", "language"))
    missing: list[Artwork] = []
    for key, drama in dramas.items():
        spec = specs[key]
        for kind, language in ARTWORK_SET:
            if (drama.pk, kind, language) in present:
                continue
            content, extension = work.artwork(spec, kind, language)
            # bulk_create skips the ImageField's dimension update; the renderer's sizes are the image's.
            artwork = Artwork(drama=drama, kind=kind, language=language)
            artwork.image.save(f"{key}-{kind}-{language or 'neutral'}.{extension}", ContentFile(content), save=False)
            # Saving the file resets the dimension fields; the renderer's sizes are the image's.
            artwork.width, artwork.height = ARTWORK_SIZES[kind]
            missing.append(artwork)
    Artwork.objects.bulk_create(missing)
    report.created["artworks"] += len(missing)


# --- Licences ---------------------------------------------------------------------------------------


def _month_add(instant: dt.datetime, months: int) -> dt.datetime:
    index = instant.year * 12 + instant.month - 1 + months
    return instant.replace(year=index // 12, month=index % 12 + 1)


def licence_period(period: str, *, today: dt.datetime) -> tuple[dt.datetime, dt.datetime | None]:
    """(start, end) of a demo licence period, relative to `today` (midnight UTC); see data.LICENCES."""
    month = today.replace(day=1)
    periods = {
        "current": (_month_add(month, -6), _month_add(month, 18)),
        "expiring": (_month_add(month, -12), today + dt.timedelta(days=12)),
        "upcoming": (_month_add(month, 1), _month_add(month, 25)),
        "expired": (_month_add(month, -24), _month_add(month, -1)),
    }
    return periods[period]


def rights_in_period(spec: data.DemoDrama, *, today: dt.datetime) -> tuple[dt.datetime, dt.datetime | None]:
    """What the owner acquired: three years back, open-ended; retired titles' rights lapsed last month."""
    month = today.replace(day=1)
    return _month_add(month, -36), (_month_add(month, -1) if spec.status == DramaStatus.RETIRED else None)


def licence_transaction_id(licence: data.DemoLicence | None, drama_key: str, licence_type: str) -> str:
    """The stable id of a demo window (its natural key across runs)."""
    if licence is None:
        return f"DEMO-IN-{drama_key}-{licence_type}"
    channel = f"-{licence.channel}" if licence.channel else ""
    return f"DEMO-{licence.licensee}{channel}-{drama_key}-{licence_type}"


def _grant_or_skip(report: SeedReport, **terms) -> int:
    """Grant one demo window; if the rights rules refuse it (say, a manager has since granted an
    exclusive window over it), skip it with the reason rather than fail the whole start-up."""
    try:
        rights_window_grant(**terms)
    except DomainError as refusal:
        report.skipped.append(f"{terms['transaction_id']}: {refusal.code}: {refusal.detail}")
        return 0
    return 1


def licences_ensure(*, dramas: dict[str, Drama], organizations: dict[str, Organization], report: SeedReport) -> None:
    """Rights in for each licensed drama's owner, then the rights out of data.LICENCES, through rights.services.

    Partners thus see different catalogues: different titles per territory, some exclusive, some
    expiring within days, some starting next month, and past windows behind the retired titles.
    """
    existing = set(
        RightsWindow.objects.filter(transaction_id__startswith="DEMO-").values_list("transaction_id", flat=True)
    )
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    specs = {spec.key: spec for spec in data.DRAMAS}
    overseas = sorted(
        {territory for org in organizations.values() if org.kind != "licensor" for territory in org.territories}
    )
    channels = {(c.organization_id, c.slug): c for c in Channel.objects.filter(organization__in=organizations.values())}
    languages: dict[int, set[str]] = {}
    for drama_id, language in DramaLocalization.objects.filter(drama__in=dramas.values()).values_list(
        "drama_id", "language"
    ):
        languages.setdefault(drama_id, set()).add(language)

    needed_in = sorted({(key, licence.licence_type) for licence in data.LICENCES for key in licence.dramas})
    for key, licence_type in needed_in:
        transaction_id = licence_transaction_id(None, key, licence_type)
        if transaction_id in existing:
            continue
        drama = dramas[key]
        start, end = rights_in_period(specs[key], today=today)
        granted = _grant_or_skip(
            report,
            drama=drama,
            licensee=organizations[specs[key].owner],
            direction=RightsDirection.IN,
            territories=overseas,
            licence_type=licence_type,
            start=start,
            end=end,
            transaction_id=transaction_id,
            contract_id=f"ACQ-{specs[key].year}-{key[:24]}",
            actor="seed_demo",
        )
        report.created["rights windows in"] += granted

    for licence in data.LICENCES:
        licensee = organizations[licence.licensee]
        channel = channels[(licensee.pk, licence.channel)] if licence.channel else None
        territories = list(channel.territories if channel else licensee.territories)
        start, end = licence_period(licence.period, today=today)
        for key in licence.dramas:
            transaction_id = licence_transaction_id(licence, key, licence.licence_type)
            if transaction_id in existing:
                continue
            drama = dramas[key]
            available = languages.get(drama.pk, set())
            subtitles = [lang for lang in licensee.languages if lang in available]
            if "en" in available and "en" not in subtitles:
                subtitles.append("en")
            # The original, and the demo's dubs of the title in the licensee's languages (Thai for Thailand).
            dubs = [lang for lang in licensee.languages if lang in demo_dub_languages(key)]
            granted = _grant_or_skip(
                report,
                drama=drama,
                licensee=licensee,
                channel=channel,
                territories=territories,
                licence_type=licence.licence_type,
                start=start,
                end=end,
                exclusive=licence.exclusive,
                audio_languages=[drama.original_language, *dubs],
                subtitle_languages=subtitles,
                free_episode_count=licence.free_episode_count,
                unlock_price=licence.unlock_price,
                currency=licence.currency,
                transaction_id=transaction_id,
                contract_id=f"LIC-{licence.licensee}-{today.year}",
                actor="seed_demo",
            )
            report.created["rights windows out"] += granted
