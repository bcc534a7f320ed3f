"""Writes of the matching model: a run (interactions → model → line-ups and user rankings → live switch),
the artifact in storage, rollback.

A run stores everything under a new version and switches the live version in one transaction at its very
end: a run that fails, or whose worker is killed, leaves the previous version live and serving.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_progress
from partners.models import Channel
from recommendations.errors import MatchingError, MatchingErrorCode
from recommendations.evaluation import InteractionSet, blend_choose
from recommendations.features import ContentFeatures, content_features, titles_describe
from recommendations.interactions import Interactions, interactions_load
from recommendations.models import (
    ChannelLineup,
    MatchingModelStatus,
    MatchingModelVersion,
    UserRecommendation,
)
from recommendations.ranking import (
    DEFAULT_PARAMS,
    MatchingModel,
    blend,
    matching_model_fit,
    matrix_build,
    part_scores,
    users_rank,
)
from rights.selectors import rights_available_throughout, rights_licensed_during

logger = logging.getLogger(__name__)

DATA_DAYS = 180
PERIOD_DAYS = 7
LINEUP_LENGTH = 50
USER_ITEMS_STORED = 100
DIVERSITY_TOP = 10
DIVERSITY_MAX_PER_TROPE = 3
NEAREST_SHOWN = 3


def matching_artifact_name(version: MatchingModelVersion) -> str:
    return f"matching/models/v{version.pk}/model.npz"


def matching_artifact_store(*, version: MatchingModelVersion, model: MatchingModel) -> None:
    """Write the artifact to storage (local or S3) and read it back: a version whose artifact does not load
    never goes live."""
    payload = model.to_bytes()
    name = matching_artifact_name(version)
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(payload))
    with default_storage.open(stored, "rb") as handle:
        echoed = handle.read()
    if hashlib.sha256(echoed).hexdigest() != hashlib.sha256(payload).hexdigest():
        raise MatchingError(MatchingErrorCode.ARTIFACT_INVALID, f"The artifact {stored} did not read back intact.")
    MatchingModel.from_bytes(echoed)
    version.artifact = stored
    version.artifact_sha256 = hashlib.sha256(payload).hexdigest()
    version.save(update_fields=["artifact", "artifact_sha256"])


def diversity_apply(order: list[int], primary_trope: dict[int, str]) -> list[int]:
    """At most DIVERSITY_MAX_PER_TROPE titles of one primary trope in the top DIVERSITY_TOP: a title over the
    limit moves down to just after the top, keeping its order among the rest. A channel licensed for too few
    other tropes to fill the top keeps fewer than DIVERSITY_TOP titles ahead of the moved ones."""
    top: list[int] = []
    deferred: list[int] = []
    counts: dict[str, int] = defaultdict(int)
    rest = list(order)
    while rest and len(top) < DIVERSITY_TOP:
        item = rest.pop(0)
        trope = primary_trope.get(item, "")
        if trope and counts[trope] >= DIVERSITY_MAX_PER_TROPE:
            deferred.append(item)
            continue
        counts[trope] += 1
        top.append(item)
    return top + deferred + rest


def _audience_vector(
    interactions: Interactions, matrix: sp.csr_matrix, channel_id: int
) -> tuple[sp.csr_matrix, np.ndarray, int]:
    """The channel's audience as one query: the event-weighted mean of its users' rows and factor rows."""
    audience = interactions.channel_audience.get(channel_id, {})
    if not audience:
        return sp.csr_matrix((1, matrix.shape[1]), dtype=np.float32), np.array([], dtype=np.int64), 0
    users = np.array(list(audience), dtype=np.int64)
    weights = np.array([audience[u] for u in users], dtype=np.float32)
    weights /= weights.sum()
    row = sp.csr_matrix(weights[np.newaxis, :] @ matrix[users], dtype=np.float32)
    return row, users, len(users)


def _reasons(
    *,
    item: int,
    model: MatchingModel,
    features: ContentFeatures,
    audience_row: sp.csr_matrix,
    parts_ranks: dict[str, np.ndarray],
    trope_lift: dict[str, float],
    channel: Channel,
    popularity_keys: list[str],
) -> dict[str, Any]:
    """Why `item` is in the line-up: nearest titles the audience watched, the tropes and languages that
    carry it, its popularity in the channel's territories, and each part's rank."""
    watched = audience_row.indices[np.argsort(-audience_row.data)][:30] if audience_row.nnz else np.array([], int)
    nearest: list[dict[str, Any]] = []
    if len(watched):
        similarity = model.knn[item, watched].toarray().ravel() if model.interacted[item] else np.zeros(len(watched))
        if not similarity.any():
            similarity = (features.matrix[watched] @ features.matrix[item].T).toarray().ravel()
        for position in np.argsort(-similarity)[:NEAREST_SHOWN]:
            if similarity[position] > 0 and watched[position] != item:
                nearest.append(
                    {
                        "title_id": int(model.item_ids[watched[position]]),
                        "similarity": round(float(similarity[position]), 3),
                    }
                )
    tropes = [
        {"trope": trope, "lift": round(trope_lift[trope], 2)}
        for trope in features.tropes[item]
        if trope_lift.get(trope, 0) > 1.0
    ]
    languages = [language for language in features.languages[item] if language in set(channel.languages)]
    popularity = []
    for key in popularity_keys:
        position = model.key_position.get(key)
        if position is None:
            continue
        row = model.popularity_table[position]
        popularity.append(
            {"territory": key.split("|")[0], "language": key.split("|")[1],
             "rank": int((row > row[item]).sum()) + 1, "share": round(float(row[item]), 4)}
        )  # fmt: skip
    popularity.sort(key=lambda p: int(str(p["rank"])))
    return {
        "nearest_watched": nearest,
        "tropes": sorted(tropes, key=lambda t: -t["lift"]),
        "languages": languages,
        "popularity": popularity[:3],
        "cold_title": not bool(model.interacted[item]),
        "part_ranks": {name: int(ranks[item]) for name, ranks in parts_ranks.items() if ranks[item] > 0},
    }


def _ranks(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """1-based rank of every allowed item with a finite score; 0 for the others."""
    masked = np.where(allowed & np.isfinite(scores), scores, -np.inf)
    order = np.argsort(-masked, kind="stable")
    ranks = np.zeros(len(scores), dtype=np.int64)
    ranks[order] = np.arange(1, len(scores) + 1)
    ranks[~np.isfinite(masked)] = 0
    return ranks


def channel_eligible(
    *, channel: Channel, item_position: dict[int, int], n_items: int, start: dt.datetime, end: dt.datetime
) -> np.ndarray:
    """Titles the channel may show in one of its territories, in one of its languages, throughout the
    period (rights.selectors decides)."""
    allowed = np.zeros(n_items, dtype=bool)
    languages: list[str | None] = list(channel.languages) or [None]
    for territory in channel.territories:
        for language in languages:
            for drama_id in rights_available_throughout(
                licensee=channel.organization_id, territory=territory, start=start, end=end,
                language=language, channel=channel,
            ):  # fmt: skip
                if drama_id in item_position:
                    allowed[item_position[drama_id]] = True
    return allowed


def channel_lineup_compute(
    *,
    channel: Channel,
    model: MatchingModel,
    features: ContentFeatures,
    interactions: Interactions,
    matrix: sp.csr_matrix,
    start: dt.datetime,
    end: dt.datetime,
) -> tuple[list[dict[str, Any]], str, int]:
    """The channel's ranked line-up for [start, end): entries, why it is empty (or ""), audience size."""
    allowed = channel_eligible(
        channel=channel, item_position=model.position, n_items=len(model.item_ids), start=start, end=end
    )
    if not allowed.any():
        return [], MatchingErrorCode.NO_LICENSED_TITLE.value, 0
    audience_row, users, audience_size = _audience_vector(interactions, matrix, channel.pk)
    popularity_keys = [f"{t}|{lang}" for t in channel.territories for lang in (channel.languages or ["en"])]
    als_query = (
        model.user_factors[users].mean(axis=0, keepdims=True)
        if audience_size
        else np.zeros((1, model.item_factors.shape[1]), dtype=np.float32)
    )
    parts = part_scores(model, user_items=audience_row, popularity_keys=[popularity_keys], als_query=als_query)
    indices, fused = blend(parts, model.weights, allowed[np.newaxis, :], int(allowed.sum()), cold=~model.interacted)
    ranked = [int(i) for i in indices[0] if i >= 0]
    fused_by_item = {int(i): float(s) for i, s in zip(indices[0], fused[0], strict=True) if i >= 0}
    mean = float(np.mean(list(fused_by_item.values()))) or 1.0
    primary = {i: features.primary_tropes[i] for i in ranked}
    ordered = diversity_apply(ranked, primary)[:LINEUP_LENGTH]
    # The audience's lift per trope: its share of confidence on titles with the trope ÷ the catalogue's.
    trope_lift: dict[str, float] = {}
    if audience_row.nnz:
        audience_share: dict[str, float] = defaultdict(float)
        catalogue_share: dict[str, float] = defaultdict(float)
        total = float(audience_row.sum())
        for item, value in zip(audience_row.indices, audience_row.data, strict=True):
            for trope in features.tropes[item]:
                audience_share[trope] += float(value) / total
        for item_tropes in features.tropes:
            for trope in item_tropes:
                catalogue_share[trope] += 1.0 / len(features.tropes)
        trope_lift = {t: audience_share[t] / catalogue_share[t] for t in audience_share if catalogue_share[t]}
    parts_ranks = {name: _ranks(scores[0], allowed) for name, scores in parts.items()}
    entries = []
    for rank, item in enumerate(ordered, 1):
        entries.append(
            {
                "title_id": int(model.item_ids[item]),
                "rank": rank,
                "score": round(fused_by_item.get(item, 0.0), 6),
                "demand_index": round(100.0 * fused_by_item.get(item, 0.0) / mean, 1),
                "primary_trope": features.primary_tropes[item],
                "reasons": _reasons(
                    item=item, model=model, features=features, audience_row=audience_row, parts_ranks=parts_ranks,
                    trope_lift=trope_lift, channel=channel, popularity_keys=popularity_keys,
                ),
            }
        )  # fmt: skip
    return entries, "", audience_size


def matching_versions_abandon(*, job_id: int, reason: str) -> int:
    """Mark FAILED the versions an earlier attempt of the job left half-made (its worker was killed before
    the switch); they never served. Returns how many."""
    return MatchingModelVersion.objects.filter(job_id=job_id, status=MatchingModelStatus.TRAINING).update(
        status=MatchingModelStatus.FAILED,
        error=f"The worker running this attempt was lost before the switch; {reason}.",
    )


def matching_run(
    *, job: Job | None = None, now: dt.datetime | None = None, params: dict[str, Any] | None = None
) -> MatchingModelVersion:
    """Train a new version on the last DATA_DAYS of events, store every channel's line-up for the next
    PERIOD_DAYS and the known users' rankings, then make it live. Raises MatchingError (the version is
    marked FAILED, the live one untouched)."""
    now = now or timezone.now()
    params = {**DEFAULT_PARAMS, **(params or {})}
    if job is not None:
        matching_versions_abandon(job_id=job.pk, reason="the job's next attempt replaced it")
    version = MatchingModelVersion.objects.create(
        job=job, data_since=now - dt.timedelta(days=DATA_DAYS), data_until=now, period_start=now,
        period_end=now + dt.timedelta(days=PERIOD_DAYS), params=params,
    )  # fmt: skip

    def progress(percent: float, line: str) -> None:
        logger.info("matching v%s: %s", version.pk, line)
        if job is not None:
            job_progress(job=job, percent=percent, log_line=line)

    try:
        return _matching_run(version=version, params=params, progress=progress)
    except Exception as exc:
        reason = exc.message if isinstance(exc, MatchingError) else f"{type(exc).__name__}: {exc}"
        MatchingModelVersion.objects.filter(pk=version.pk).update(status=MatchingModelStatus.FAILED, error=reason)
        raise


def _matching_run(*, version: MatchingModelVersion, params: dict[str, Any], progress) -> MatchingModelVersion:
    interactions = interactions_load(since=version.data_since, until=version.data_until)
    descriptions = titles_describe()
    features = content_features(descriptions)
    item_ids = features.drama_ids
    position = {int(d): i for i, d in enumerate(item_ids)}
    known = np.array([int(d) in position for d in interactions.item_ids], dtype=bool)
    cols = np.array([position.get(int(d), 0) for d in interactions.item_ids], dtype=np.int64)
    rows, confidence = interactions.rows[known], interactions.confidence[known]
    if not len(rows):
        raise MatchingError(
            MatchingErrorCode.NO_EVENTS,
            f"No playback events of published titles between {version.data_since:%Y-%m-%d} and "
            f"{version.data_until:%Y-%m-%d}: nothing to learn from.",
        )
    shape = (interactions.user_count, len(item_ids))
    matrix = matrix_build(rows, cols[known], confidence, shape)
    user_keys = [f"{c}|{lang}" for c, lang in zip(interactions.user_country, interactions.user_language, strict=True)]
    progress(10, f"{shape[0]} users × {shape[1]} titles, {matrix.nnz} interactions")
    data = InteractionSet(
        item_ids=item_ids, user_keys=user_keys, rows=rows, cols=cols[known], confidence=confidence,
        time=interactions.first_at[known], features=features.matrix,
    )  # fmt: skip
    weights, chosen = blend_choose(data, params)
    progress(35, f"blend weights {weights} ({chosen})")
    model = matching_model_fit(
        matrix=matrix, item_ids=item_ids, user_keys=user_keys, features=features.matrix, params=params, weights=weights
    )
    progress(55, "trained")
    matching_artifact_store(version=version, model=model)
    progress(60, f"artifact {version.artifact}")

    lineups = []
    for channel in Channel.objects.filter(is_active=True, organization__is_active=True).select_related("organization"):
        entries, empty_reason, audience = channel_lineup_compute(
            channel=channel, model=model, features=features, interactions=interactions, matrix=matrix,
            start=version.period_start, end=version.period_end,
        )  # fmt: skip
        lineups.append(
            ChannelLineup(
                version=version, organization_id=channel.organization_id, channel=channel, entries=entries,
                empty_reason=empty_reason, audience_users=audience,
            )
        )  # fmt: skip
    ChannelLineup.objects.bulk_create(lineups, batch_size=200)
    progress(75, f"{len(lineups)} channel line-ups")

    # Users' rankings: rights first (each organization's users among the titles it may show somewhere in the
    # period; a user's territory, language and the instant are checked again when the ranking is served),
    # then the blend over each part's candidates (recommendations.ranking.users_rank).
    stored = 0
    active = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    organization_of = np.array([interactions.user_keys[u][0] for u in active], dtype=np.int64)
    for organization_id in np.unique(organization_of):
        licensed = np.array(
            sorted(
                position[drama_id]
                for drama_id in rights_licensed_during(
                    licensee=int(organization_id), start=version.period_start, end=version.period_end
                )
                if drama_id in position
            ),
            dtype=np.int64,
        )
        members = active[organization_of == organization_id]
        for start in range(0, len(members), 2000):
            batch = members[start : start + 2000]
            indices, scores = users_rank(
                model, user_items=matrix[batch], popularity_keys=[[user_keys[u]] for u in batch],
                als_query=model.user_factors[batch], n=USER_ITEMS_STORED, licensed=licensed,
            )  # fmt: skip
            UserRecommendation.objects.bulk_create(
                [
                    UserRecommendation(
                        version=version, organization_id=interactions.user_keys[u][0],
                        user_ref=interactions.user_keys[u][1],
                        items=[[int(item_ids[i]), round(float(s), 6)] for i, s in zip(indices[row], scores[row], strict=True) if i >= 0],
                    )
                    for row, u in enumerate(batch)
                ],
                batch_size=1000,
            )  # fmt: skip
            stored += len(batch)
    progress(90, f"{stored} users ranked")
    version.metrics = {
        "users": int(shape[0]), "titles": int(shape[1]), "interactions": int(matrix.nnz),
        "cold_titles": int((~model.interacted).sum()), "channels": len(lineups), "users_ranked": stored,
        "blend": chosen,
    }  # fmt: skip
    version.params = {**params, "blend_weights": weights}
    version.status = MatchingModelStatus.READY
    version.save(update_fields=["metrics", "params", "status"])
    return matching_version_activate(version=version)


@transaction.atomic
def matching_version_activate(*, version: MatchingModelVersion) -> MatchingModelVersion:
    """Make `version` the live one, in one transaction (readers see the old line-ups or the new ones)."""
    locked = MatchingModelVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status not in (MatchingModelStatus.READY, MatchingModelStatus.RETIRED, MatchingModelStatus.LIVE):
        raise MatchingError(MatchingErrorCode.RUN_FAILED, f"Version {version.pk} is {locked.status}: it cannot serve.")
    MatchingModelVersion.objects.filter(is_live=True).exclude(pk=version.pk).update(
        is_live=False, status=MatchingModelStatus.RETIRED
    )
    locked.is_live = True
    locked.status = MatchingModelStatus.LIVE
    locked.activated_at = timezone.now()
    locked.save(update_fields=["is_live", "status", "activated_at"])
    return locked
