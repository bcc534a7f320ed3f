"""Reads of the matching model: a channel's line-up and a user's recommendations, from the live version,
each title re-checked against the rights rule at the moment it is served."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from catalog.models import Drama, Episode
from localization.models import DramaLocalization
from localization.selectors import localization_pick
from partners.models import Channel, Organization
from recommendations.errors import MatchingErrorCode
from recommendations.interactions import FACTS_SQL, InteractionFacts, interaction_confidence
from recommendations.models import (
    ChannelLineup,
    MatchingModelVersion,
    PlaybackEvent,
    PlaybackEventKind,
    UserRecommendation,
)
from recommendations.ranking import MatchingModel, blend, part_scores
from rights.selectors import rights_available_drama_ids

logger = logging.getLogger(__name__)

# A user with fewer events than this is served territory × language popularity; from this many on, their
# events are folded into the live model at serve time (no retraining).
COLD_USER_EVENTS = 3
CONTINUE_WATCHING_DAYS = 30
CONTINUE_WATCHING_MAX = 10


@dataclass
class ChannelLineupRead:
    """A channel's line-up as served: `titles` in rank order, each {"title_id", "title", "rank",
    "demand_index", "primary_trope", "reasons"}; an empty list comes with `empty_reason`."""

    channel_id: int
    model_version: int | None
    generated_at: dt.datetime | None
    period_start: dt.datetime | None
    period_end: dt.datetime | None
    titles: list[dict[str, Any]] = field(default_factory=list)
    empty_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel_id": self.channel_id,
            "model_version": self.model_version,
            "generated_at": self.generated_at,
            "period": {"start": self.period_start, "end": self.period_end},
            "results": self.titles,
            "empty_reason": self.empty_reason or None,
        }


@dataclass
class UserRecommendationsRead:
    user_id: str
    channel_id: int
    model_version: int | None
    source: str  # "model", "folded_in", "popularity" or "lineup"
    continue_watching: list[dict[str, Any]] = field(default_factory=list)
    titles: list[dict[str, Any]] = field(default_factory=list)
    empty_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "channel_id": self.channel_id,
            "model_version": self.model_version,
            "source": self.source,
            "continue_watching": self.continue_watching,
            "results": self.titles,
            "empty_reason": self.empty_reason or None,
        }


def matching_live_version() -> MatchingModelVersion | None:
    return MatchingModelVersion.objects.filter(is_live=True).first()


def titles_shown_now(
    *, channel: Channel, territory: str | None = None, at: dt.datetime | None = None, among: list[int] | None = None
) -> set[int]:
    """The titles (of `among`, when given) the channel may show now in `territory` (or in any of its
    territories): the rights rule, asked of rights at serve time."""
    territories = [territory] if territory else list(channel.territories)
    shown: set[int] = set()
    for code in territories:
        shown |= rights_available_drama_ids(
            licensee=channel.organization_id, territory=code, at=at, channel=channel, among=among
        )
    return shown


def _titles_named(drama_ids: list[int], language: str) -> dict[int, str]:
    """drama id -> its title for a reader of `language` (the localisation fallback chain). Two queries."""
    if not drama_ids:
        return {}
    originals, titles = {}, {}
    for pk, original_language, original_title in Drama.objects.filter(pk__in=drama_ids).values_list(
        "pk", "original_language", "original_title"
    ):
        originals[pk], titles[pk] = original_language, original_title
    by_drama: dict[int, dict[str, str]] = {}
    for drama_id, tag, title in DramaLocalization.objects.filter(drama_id__in=drama_ids).values_list(
        "drama_id", "language", "title"
    ):
        by_drama.setdefault(drama_id, {})[tag] = title
    return {
        pk: localization_pick(by_drama.get(pk, {}), language=language, original_language=originals.get(pk, ""))
        or titles.get(pk, "")
        for pk in drama_ids
    }


def channel_lineup(
    *,
    channel: Channel,
    territory: str | None = None,
    language: str | None = None,
    at: dt.datetime | None = None,
    limit: int = 20,
) -> ChannelLineupRead:
    """The live model's line-up of `channel` (a channel the caller already holds: fetch it with
    partners.selectors.channel_of), the `limit` best titles that the rights rule lets it show at `at`
    (default now) in `territory` (or in any of its territories), titles in `language` (default the
    channel's first). Three to five queries."""
    lineup = (
        ChannelLineup.objects.filter(version__is_live=True, channel=channel)
        .select_related("version")
        .only("entries", "empty_reason", "computed_at", "version__id", "version__period_start", "version__period_end")
        .first()
    )
    if lineup is None:
        return ChannelLineupRead(channel.pk, None, None, None, None, empty_reason=MatchingErrorCode.NO_MODEL.value)
    read = ChannelLineupRead(
        channel.pk, lineup.version.pk, lineup.computed_at, lineup.version.period_start, lineup.version.period_end
    )
    if not lineup.entries:
        read.empty_reason = lineup.empty_reason or MatchingErrorCode.NO_LICENSED_TITLE.value
        return read
    # Asked about the stored titles only: a partner may hold thousands, a line-up lists fifty.
    shown = titles_shown_now(
        channel=channel, territory=territory, at=at, among=[entry["title_id"] for entry in lineup.entries]
    )
    entries = [entry for entry in lineup.entries if entry["title_id"] in shown][:limit]
    if not entries:
        read.empty_reason = MatchingErrorCode.NO_TITLE_LICENSED_NOW.value
        return read
    names = _titles_named([e["title_id"] for e in entries], language or (channel.languages or ["en"])[0])
    read.titles = [
        {"title_id": e["title_id"], "title": names.get(e["title_id"], ""), "rank": rank,
         "demand_index": e["demand_index"], "primary_trope": e.get("primary_trope", ""), "reasons": e["reasons"]}
        for rank, e in enumerate(entries, 1)
    ]  # fmt: skip
    return read


_models: dict[int, MatchingModel | None] = {}


def matching_model_load(version: MatchingModelVersion) -> MatchingModel | None:
    """The version's artifact, loaded once per process; None when it is missing or corrupt (logged)."""
    if version.pk in _models:
        return _models[version.pk]
    model: MatchingModel | None = None
    try:
        with default_storage.open(version.artifact, "rb") as handle:
            payload = handle.read()
        if hashlib.sha256(payload).hexdigest() != version.artifact_sha256:
            raise ValueError("checksum mismatch")
        model = MatchingModel.from_bytes(payload)
    except (OSError, ValueError, KeyError, EOFError) as exc:
        logger.error("matching model v%s: artifact %r unusable (%s)", version.pk, version.artifact, exc)
    if len(_models) > 4:
        _models.clear()
    _models[version.pk] = model
    return model


def continue_watching(
    *, organization: Organization, user_ref: str, at: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Titles the user started in the last CONTINUE_WATCHING_DAYS and has not finished, latest first: the
    next episode to play. Two queries."""
    at = at or timezone.now()
    started = list(
        PlaybackEvent.objects.filter(
            organization=organization, user_ref=user_ref, occurred_at__gte=at - dt.timedelta(days=CONTINUE_WATCHING_DAYS),
            occurred_at__lte=at,
        )
        .exclude(kind=PlaybackEventKind.IMPRESSION)
        .values("drama_id")
        .annotate(last=Max("occurred_at"), reached=Max("episode__number"))
        .order_by("-last")
    )  # fmt: skip
    episode_counts = dict(
        Episode.objects.filter(drama_id__in=[r["drama_id"] for r in started])
        .values("drama_id")
        .annotate(n=Max("number"))
        .values_list("drama_id", "n")
    )
    rows = []
    for row in started:
        total = episode_counts.get(row["drama_id"], 0)
        reached = row["reached"] or 0
        if reached < total:
            rows.append({"title_id": row["drama_id"], "next_episode": reached + 1, "episodes": total,
                         "last_watched_at": row["last"]})  # fmt: skip
    return rows[:CONTINUE_WATCHING_MAX]


def _user_facts_row(*, organization: Organization, user_ref: str, model: MatchingModel) -> tuple[sp.csr_matrix, int]:
    """The user's interaction row against the model's titles (from their events up to now) and their count of
    engaged events, by the same aggregation and weighting table as training."""
    params: dict[str, Any] = {"since": dt.datetime(2000, 1, 1, tzinfo=dt.UTC), "until": timezone.now() + dt.timedelta(minutes=10),
              "organization": organization.pk, "user_ref": user_ref}  # fmt: skip
    sql = FACTS_SQL.format(organization_filter="AND organization_id = %(organization)s AND user_ref = %(user_ref)s")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    engaged = (
        PlaybackEvent.objects.filter(organization=organization, user_ref=user_ref)
        .exclude(kind=PlaybackEventKind.IMPRESSION)
        .count()
    )
    free = dict(Drama.objects.filter(pk__in=[r[2] for r in rows]).values_list("pk", "free_episode_count"))
    row = np.zeros(len(model.item_ids), dtype=np.float32)
    if rows:
        facts = InteractionFacts(
            plays=np.array([r[3] for r in rows], float), episodes_played=np.array([r[4] for r in rows], float),
            episodes_completed=np.array([r[5] for r in rows], float), unlocks=np.array([r[6] for r in rows], float),
            impressions=np.array([r[7] for r in rows], float), max_episode=np.array([r[8] for r in rows], float),
            watched=np.array([float(r[9]) for r in rows]), free_episode_count=np.array([free.get(r[2], 0) for r in rows], float),
        )  # fmt: skip
        for (_, _, drama_id, *_rest), value in zip(rows, interaction_confidence(facts), strict=True):
            if drama_id in model.position:
                row[model.position[drama_id]] += value
    return sp.csr_matrix(row[np.newaxis, :]), engaged


def user_recommendations(
    *,
    organization: Organization,
    user_ref: str,
    channel: Channel,
    territory: str | None = None,
    language: str | None = None,
    limit: int = 20,
) -> UserRecommendationsRead:
    """Top `limit` titles for one of the organization's users on `channel` (the caller's own channel), with
    "continue watching" as its own row. A user the live model ranked is served that ranking; a user with
    fewer than COLD_USER_EVENTS events, territory × language popularity; anyone else is folded into the live
    model now. Every title is re-checked against the rights rule as it is served."""
    started = continue_watching(organization=organization, user_ref=user_ref)
    version = matching_live_version()
    stored = (
        UserRecommendation.objects.filter(version=version, organization=organization, user_ref=user_ref).first()
        if version is not None
        else None
    )
    # A stored ranking needs the rights rule's answer about its own titles only (a hundred, not the thousands
    # a partner may hold); folding in or popularity ranks every title the channel may show.
    among = None if stored is None else [int(i) for i, _ in stored.items] + [row["title_id"] for row in started]
    shown = titles_shown_now(channel=channel, territory=territory, among=among)
    watching = [row for row in started if row["title_id"] in shown]
    in_progress = {row["title_id"] for row in watching}
    language = language or (channel.languages or ["en"])[0]
    read = UserRecommendationsRead(user_ref, channel.pk, version.pk if version else None, "popularity", watching)
    ranked: list[tuple[int, float]] = []
    if version is not None:
        if stored is not None:
            read.source = "model"
            ranked = [(int(i), float(s)) for i, s in stored.items]
        else:
            model = matching_model_load(version)
            if model is None:
                read.source = "lineup"
            else:
                row, engaged = _user_facts_row(organization=organization, user_ref=user_ref, model=model)
                keys = [[f"{t}|{language}" for t in ([territory] if territory else channel.territories)]]
                allowed = np.array([int(i) in shown and row[0, p] == 0 for p, i in enumerate(model.item_ids)])[
                    np.newaxis, :
                ]
                if engaged >= COLD_USER_EVENTS and row.nnz:
                    read.source = "folded_in"
                    parts = part_scores(model, user_items=row, popularity_keys=keys)
                    indices, scores = blend(
                        parts, model.weights, allowed, limit + len(in_progress), cold=~model.interacted
                    )
                else:
                    scores_popularity = model.scores_popularity(keys)
                    from recommendations.ranking import top_n

                    indices, scores = top_n(
                        np.where(allowed, scores_popularity, -np.inf).astype(np.float32), limit + len(in_progress)
                    )
                ranked = [
                    (int(model.item_ids[i]), float(s)) for i, s in zip(indices[0], scores[0], strict=True) if i >= 0
                ]
    if read.source == "lineup" or (version is not None and not ranked and read.source == "popularity"):
        lineup = channel_lineup(channel=channel, territory=territory, limit=limit + len(in_progress))
        ranked = [(t["title_id"], t["demand_index"]) for t in lineup.titles]
    titles = [(i, s) for i, s in ranked if i in shown and i not in in_progress][:limit]
    names = _titles_named([i for i, _ in titles] + list(in_progress), language)
    read.titles = [{"title_id": i, "title": names.get(i, ""), "rank": rank, "score": round(s, 6)}
                   for rank, (i, s) in enumerate(titles, 1)]  # fmt: skip
    for row in read.continue_watching:
        row["title"] = names.get(row["title_id"], "")
    if version is None:
        read.empty_reason = MatchingErrorCode.NO_MODEL.value
    elif not read.titles:
        read.empty_reason = MatchingErrorCode.NO_TITLE_LICENSED_NOW.value
    return read
