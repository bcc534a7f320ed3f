"""From playback events to one confidence per (user, title): the weighting table and the event aggregation.

A user is a partner's pseudonymous id within that partner: (organization id, user_ref). Events are first
reduced to facts per (user, title) — plays, episode-equivalents watched, completions, unlocks, ... — then the
one table below turns facts into a confidence. The generator (recommendations.generator) produces the same
facts, so evaluation and training apply the same weights.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection

from catalog.models import Drama
from partners.models import Channel, Organization


@dataclass(frozen=True)
class InteractionSignal:
    """A row of the weighting table: confidence += weight × min(measure, cap)."""

    name: str
    weight: float
    cap: float
    measure: str


# The one weighting table. Unlocks are the strongest evidence (the user paid), reaching the paywall next;
# replays count a little and are capped so a looping player cannot dominate; abandoning the first episode
# early takes most of a play's weight back. Impressions without a play are never positives.
INTERACTION_WEIGHTS: tuple[InteractionSignal, ...] = (
    InteractionSignal("episode_played", 1.0, 30, "distinct episodes played"),
    InteractionSignal("watched", 1.0, 30, "episode-equivalents watched: Σ min(1, position ÷ duration)"),
    InteractionSignal("episode_completed", 0.5, 30, "distinct episodes completed"),
    InteractionSignal("last_free_reached", 4.0, 1, "1 when the last free episode was reached"),
    InteractionSignal("unlock", 8.0, 10, "episodes unlocked"),
    InteractionSignal("replay", 0.25, 4, "plays beyond the first of an episode"),
    InteractionSignal("early_abandonment", -0.7, 1, "1 when only episode 1 was played, under a quarter of it"),
    InteractionSignal("impression", 0.0, 0, "impressions (never a positive on their own)"),
)
WEIGHTS_BY_NAME = {signal.name: signal for signal in INTERACTION_WEIGHTS}
# Below this a positive pair would carry no information; above zero so every played title is a positive.
CONFIDENCE_FLOOR = 0.1
EARLY_ABANDONMENT_SHARE = 0.25


@dataclass
class InteractionFacts:
    """What the events say about (user, title) pairs, one array element per pair."""

    plays: np.ndarray
    episodes_played: np.ndarray
    watched: np.ndarray
    episodes_completed: np.ndarray
    max_episode: np.ndarray
    unlocks: np.ndarray
    impressions: np.ndarray
    free_episode_count: np.ndarray

    @classmethod
    def one(cls, **values: float) -> InteractionFacts:
        names = [f for f in cls.__dataclass_fields__]
        return cls(**{name: np.array([float(values.get(name, 0))]) for name in names})


def interaction_measures(facts: InteractionFacts) -> dict[str, np.ndarray]:
    """Each signal's measure for every pair (before weights and caps)."""
    played = facts.episodes_played > 0
    return {
        "episode_played": facts.episodes_played,
        "watched": facts.watched,
        "episode_completed": facts.episodes_completed,
        "last_free_reached": (
            played & (facts.free_episode_count > 0) & (facts.max_episode >= facts.free_episode_count)
        ).astype(float),
        "unlock": facts.unlocks,
        "replay": np.maximum(facts.plays - facts.episodes_played, 0),
        "early_abandonment": (
            played
            & (facts.episodes_played == 1)
            & (facts.max_episode <= 1)
            & (facts.episodes_completed == 0)
            & (facts.unlocks == 0)
            & (facts.watched < EARLY_ABANDONMENT_SHARE)
        ).astype(float),
        "impression": facts.impressions,
    }


def interaction_confidence(facts: InteractionFacts) -> np.ndarray:
    """The confidence of every pair by the weighting table; 0 for a pair that is not a positive (nothing
    played, e.g. impressions only)."""
    measures = interaction_measures(facts)
    total = np.zeros(len(facts.plays), dtype=np.float64)
    for signal in INTERACTION_WEIGHTS:
        total += signal.weight * np.minimum(measures[signal.name], signal.cap)
    positive = (facts.episodes_played > 0) | (facts.unlocks > 0)
    return np.where(positive, np.maximum(total, CONFIDENCE_FLOOR), 0.0).astype(np.float32)


@dataclass
class Interactions:
    """The interaction matrix's raw material: one entry per positive (user, title) pair."""

    user_keys: list[tuple[int, str]]
    rows: np.ndarray  # user index per pair
    item_ids: np.ndarray  # drama id per pair
    confidence: np.ndarray
    first_at: np.ndarray  # epoch seconds of the pair's first event
    user_country: list[str] = field(default_factory=list)
    user_language: list[str] = field(default_factory=list)
    channel_audience: dict[int, dict[int, float]] = field(default_factory=dict)  # channel -> user index -> events

    @property
    def user_count(self) -> int:
        return len(self.user_keys)


# Resends (same kind, episode, instant and position under another event id) are one event: DISTINCT.
FACTS_SQL = """
WITH e AS (
    SELECT DISTINCT organization_id, user_ref, drama_id, episode_id, kind, occurred_at, position_seconds
    FROM recommendations_playbackevent
    WHERE occurred_at >= %(since)s AND occurred_at < %(until)s {organization_filter}
), per_episode AS (
    SELECT organization_id, user_ref, drama_id, episode_id,
           COUNT(*) FILTER (WHERE kind = 'play') AS plays,
           BOOL_OR(kind = 'complete') AS completed,
           COUNT(*) FILTER (WHERE kind = 'unlock') AS unlocks,
           COUNT(*) FILTER (WHERE kind = 'impression') AS impressions,
           MAX(position_seconds) AS position,
           BOOL_OR(kind <> 'impression') AS engaged,
           MIN(occurred_at) AS first_at
    FROM e GROUP BY organization_id, user_ref, drama_id, episode_id
)
SELECT p.organization_id, p.user_ref, p.drama_id,
       SUM(p.plays), COUNT(*) FILTER (WHERE p.plays > 0), COUNT(*) FILTER (WHERE p.completed),
       SUM(p.unlocks), SUM(p.impressions),
       COALESCE(MAX(ep.number) FILTER (WHERE p.engaged), 0),
       SUM(CASE WHEN p.completed THEN 1.0
                WHEN ep.duration_seconds > 0 THEN LEAST(1.0, COALESCE(p.position, 0) / ep.duration_seconds)
                ELSE 0 END),
       MIN(p.first_at)
FROM per_episode p LEFT JOIN catalog_episode ep ON ep.id = p.episode_id
GROUP BY p.organization_id, p.user_ref, p.drama_id
ORDER BY p.organization_id, p.user_ref, p.drama_id
"""

WHERE_SQL = """
SELECT organization_id, user_ref, country, channel_id, COUNT(*)
FROM recommendations_playbackevent
WHERE occurred_at >= %(since)s AND occurred_at < %(until)s {organization_filter}
GROUP BY organization_id, user_ref, country, channel_id
"""


def interactions_load(
    *, since: dt.datetime, until: dt.datetime, organization: Organization | None = None
) -> Interactions:
    """Every positive (user, title) pair of the events in [since, until), with each user's main country and
    language and each channel's audience. Two aggregate queries; no event is loaded one by one."""
    params: dict[str, Any] = {"since": since, "until": until}
    organization_filter = ""
    if organization is not None:
        organization_filter = "AND organization_id = %(organization)s"
        params["organization"] = organization.pk
    with connection.cursor() as cursor:
        cursor.execute(FACTS_SQL.format(organization_filter=organization_filter), params)
        fact_rows = cursor.fetchall()
        cursor.execute(WHERE_SQL.format(organization_filter=organization_filter), params)
        where_rows = cursor.fetchall()
    free_episodes = dict(Drama.objects.values_list("pk", "free_episode_count"))
    columns: list[Sequence[Any]] = list(zip(*fact_rows, strict=True)) if fact_rows else [[] for _ in range(11)]
    facts = InteractionFacts(
        plays=np.array(columns[3], dtype=float),
        episodes_played=np.array(columns[4], dtype=float),
        episodes_completed=np.array(columns[5], dtype=float),
        unlocks=np.array(columns[6], dtype=float),
        impressions=np.array(columns[7], dtype=float),
        max_episode=np.array(columns[8], dtype=float),
        watched=np.array([float(v) for v in columns[9]], dtype=float),
        free_episode_count=np.array([free_episodes.get(d, 0) for d in columns[2]], dtype=float),
    )
    confidence = interaction_confidence(facts)
    keep = confidence > 0
    index: dict[tuple[int, str], int] = {}
    rows = []
    for organization_id, user_ref in zip(columns[0], columns[1], strict=True):
        rows.append(index.setdefault((organization_id, user_ref), len(index)))
    rows_array = np.array(rows, dtype=np.int64)
    first_at = np.array([t.timestamp() for t in columns[10]], dtype=np.float64)

    # Each user's main country and channel; the language of a user is their channel's first language,
    # else their organization's.
    countries: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    channels: dict[tuple[int, str], Counter[int]] = defaultdict(Counter)
    audience: dict[int, dict[int, float]] = defaultdict(dict)
    for organization_id, user_ref, country, channel_id, count in where_rows:
        key = (organization_id, user_ref)
        countries[key][country] += count
        if channel_id is not None:
            channels[key][channel_id] += count
            if key in index:
                audience[channel_id][index[key]] = audience[channel_id].get(index[key], 0.0) + count
    channel_languages = dict(Channel.objects.values_list("pk", "languages"))
    organization_languages = dict(Organization.objects.values_list("pk", "languages"))
    user_keys = list(index)
    user_country, user_language = [], []
    for key in user_keys:
        user_country.append(countries[key].most_common(1)[0][0] if countries[key] else "")
        main_channel = channels[key].most_common(1)[0][0] if channels[key] else None
        languages = (channel_languages.get(main_channel) if main_channel else None) or organization_languages.get(
            key[0]
        )
        user_language.append((languages or ["en"])[0])
    return Interactions(
        user_keys=user_keys,
        rows=rows_array[keep] if len(rows_array) else rows_array,
        item_ids=np.array(columns[2], dtype=np.int64)[keep] if len(rows_array) else np.array([], dtype=np.int64),
        confidence=confidence[keep],
        first_at=first_at[keep] if len(first_at) else first_at,
        user_country=user_country,
        user_language=user_language,
        channel_audience={channel: dict(users) for channel, users in audience.items()},
    )
