"""Test helpers for the portal: operators with channels and members, and playback events as rows."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

from partners.tests.factories import ChannelFactory, MembershipFactory, OperatorFactory, UserFactory
from recommendations.models import PlaybackEvent

PASSWORD = "correct-horse-battery"
BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")
_ids = itertools.count(1)


def operator_with_member(slug: str, *, territories=("TH",), languages=("th",), channels=1):
    """An operator of Thailand (days in Asia/Bangkok) with `channels` channels and a viewer member."""
    operator = OperatorFactory(slug=slug, name=f"Operator {slug}", territories=list(territories),
                               languages=list(languages))  # fmt: skip
    user = UserFactory(username=f"{slug}-viewer")
    MembershipFactory(user=user, organization=operator, role="viewer")
    made = [
        ChannelFactory(organization=operator, name=f"{slug} channel {n}", slug=f"{slug}-ch-{n}",
                       territories=list(territories), languages=list(languages))
        for n in range(1, channels + 1)
    ]  # fmt: skip
    return operator, user, made


def local(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BANGKOK)


def event(
    organization,
    kind: str,
    user: str,
    drama,
    *,
    at: dt.datetime,
    channel=None,
    episode=None,
    country: str = "TH",
    amount_minor: int | None = None,
    currency: str = "",
) -> PlaybackEvent:
    return PlaybackEvent(
        organization=organization, event_id=f"e{next(_ids)}", kind=kind, occurred_at=at, user_ref=user,
        channel=channel, country=country, drama=drama, episode=episode, amount_minor=amount_minor,
        currency=currency,
    )  # fmt: skip


def events_create(events: list[PlaybackEvent]) -> list[PlaybackEvent]:
    return PlaybackEvent.objects.bulk_create(events)


def watching(
    organization,
    drama,
    episodes,
    *,
    users: list[str],
    upto: list[int],
    day: dt.date,
    channel,
    unlock_after: int | None = None,
    amount_minor: int = 500,
    currency: str = "THB",
    impressions: list[str] = (),
) -> list[PlaybackEvent]:
    """Each user starts episodes 1..upto[i] in order (and completes episode 1); users past `unlock_after`
    unlock once; everyone in `impressions` (default: the users) saw the title."""
    at = local(day)
    rows = [event(organization, "impression", u, drama, at=at, channel=channel) for u in (impressions or users)]
    for user, last in zip(users, upto, strict=True):
        for number in range(1, last + 1):
            rows.append(event(organization, "play", user, drama, at=at, channel=channel, episode=episodes[number - 1]))
            if number == 1:
                rows.append(event(organization, "complete", user, drama, at=at, channel=channel, episode=episodes[0]))
            if unlock_after is not None and number == unlock_after + 1:
                rows.append(
                    event(
                        organization,
                        "unlock",
                        user,
                        drama,
                        at=at,
                        channel=channel,
                        episode=episodes[number - 1],
                        amount_minor=amount_minor,
                        currency=currency,
                    )
                )
    return events_create(rows)


def lineup_entry(drama, *, rank: int = 1, demand_index: float = 142.5, nearest=(), trope: str = "revenge") -> dict:
    """A line-up entry as the matching job stores it (recommendations.matching)."""
    return {
        "title_id": drama.pk, "rank": rank, "score": 0.5, "demand_index": demand_index, "primary_trope": trope,
        "reasons": {
            "nearest_watched": [{"title_id": d.pk, "similarity": 0.8} for d in nearest],
            "tropes": [{"trope": trope, "lift": 1.75}], "languages": ["th"],
            "popularity": [{"territory": "TH", "language": "th", "rank": 2, "share": 0.125}],
            "cold_title": False, "part_ranks": {"als": 1},
        },
    }  # fmt: skip


def live_lineups(lineups: dict) -> object:
    """A live matching model version with these line-ups ({channel: [entries]}), as a matching run leaves them."""
    from django.utils import timezone

    from recommendations.models import ChannelLineup, MatchingModelVersion

    now = timezone.now()
    version = MatchingModelVersion.objects.create(
        status="live", is_live=True, data_since=now - dt.timedelta(days=90), data_until=now, period_start=now,
        period_end=now + dt.timedelta(days=7), activated_at=now,
    )  # fmt: skip
    for channel, entries in lineups.items():
        ChannelLineup.objects.create(version=version, organization=channel.organization, channel=channel,
                                     entries=entries, audience_users=len(entries))  # fmt: skip
    return version
