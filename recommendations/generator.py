"""A seeded generator of short-drama viewing: the demo's events and the evaluation's and benchmark's data.

What it imitates: users of a territory watch in their language and lean to their region's tropes; each has
a taste over tropes; a journey into a title plays episode after episode with a steep early drop-off, binges
the free episodes in a session or two, meets the paywall at the last free episode (an unlock is rare and
depends on taste), and ends mid-episode. Titles come out over the period (the late ones are cold titles).
Same seed, same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recommendations.interactions import InteractionFacts, interaction_confidence

# Territory -> (language, tropes its audience leans to).
REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "TH": ("th", ("rebirth", "revenge", "hidden-identity")),
    "SG": ("en", ("ceo-romance", "contract-marriage", "hidden-identity")),
    "MY": ("en", ("ceo-romance", "time-travel", "counterattack")),
    "US": ("en", ("ceo-romance", "revenge", "werewolf")),
    "KR": ("ko", ("revenge", "chaebol", "rebirth")),
    "HK": ("zh-Hant-HK", ("hidden-identity", "counterattack", "palace")),
    "AE": ("ar", ("family-feud", "revenge", "ceo-romance")),
    "JP": ("ja", ("time-travel", "palace", "rebirth")),
}
SYNTHETIC_TROPES = (
    "rebirth", "revenge", "hidden-identity", "ceo-romance", "contract-marriage", "time-travel", "counterattack",
    "werewolf", "chaebol", "palace", "family-feud", "cinderella", "mafia", "medical", "campus", "xianxia",
)  # fmt: skip
SYNTHETIC_GENRES = ("romance", "drama", "fantasy", "thriller", "comedy", "historical", "urban")


@dataclass
class GeneratedTitle:
    index: int
    tropes: list[str]
    genres: list[str]
    languages: list[str]
    original_language: str
    format: str
    quality: float
    released: float  # day of the period it comes out
    episodes: int
    free_episodes: int
    synopsis: str = ""


@dataclass
class GeneratedUser:
    territory: str
    language: str
    taste: dict[str, float]
    activity: float


@dataclass
class Journey:
    """A user's watching of one title: episodes 1..reached, the last one partly."""

    user: int
    title: int
    day: float
    reached: int
    last_share: float
    unlocks: int
    replays: int
    sessions: int
    impressions: int = 1


@dataclass
class GeneratedData:
    titles: list[GeneratedTitle]
    users: list[GeneratedUser]
    journeys: list[Journey] = field(default_factory=list)


def titles_generate(count: int, rng: np.random.Generator, *, days: float) -> list[GeneratedTitle]:
    titles = []
    for index in range(count):
        tropes = list(rng.choice(SYNTHETIC_TROPES, size=int(rng.integers(1, 4)), replace=False))
        languages = ["zh-Hans", "en"] + [
            language for language in ("th", "ko", "ar", "zh-Hant-HK", "ja") if rng.random() < 0.45
        ]
        episodes = int(rng.integers(60, 101)) if rng.random() < 0.8 else int(rng.integers(16, 40))
        # A quarter of the catalogue comes out during the last fifth of the period: tomorrow's cold titles.
        released = float(rng.uniform(0.8, 1.0) * days) if rng.random() < 0.12 else float(rng.uniform(-days, 0.8 * days))
        titles.append(
            GeneratedTitle(
                index=index,
                tropes=tropes,
                genres=list(rng.choice(SYNTHETIC_GENRES, size=int(rng.integers(1, 3)), replace=False)),
                languages=languages,
                original_language="zh-Hans",
                format="vertical" if episodes > 40 else "horizontal",
                quality=float(rng.lognormal(0.0, 0.6)),
                released=released,
                episodes=episodes,
                free_episodes=min(10, episodes),
                synopsis=f"{' '.join(t.replace('-', ' ') for t in tropes)} story number {index % 97}",
            )
        )
    return titles


def users_generate(
    count: int, rng: np.random.Generator, *, territories: list[str] | None = None
) -> list[GeneratedUser]:
    territories = territories or list(REGIONS)
    users = []
    for _ in range(count):
        territory = str(rng.choice(territories))
        language, regional = REGIONS.get(territory, ("en", ()))
        taste = {
            trope: float(w)
            for trope, w in zip(SYNTHETIC_TROPES, rng.gamma(0.3, 1.0, len(SYNTHETIC_TROPES)), strict=True)
        }
        for trope in regional:
            taste[trope] = taste.get(trope, 0.0) + 1.0
        users.append(GeneratedUser(territory, language, taste, float(rng.lognormal(1.2, 0.7))))
    return users


def _affinity(user: GeneratedUser, title: GeneratedTitle) -> float:
    if not title.tropes:
        return 0.0
    primary = 2.0 * user.taste.get(title.tropes[0], 0.0)
    others = sum(user.taste.get(t, 0.0) for t in title.tropes[1:])
    return (primary + others) / (1 + len(title.tropes))


def journeys_generate(
    titles: list[GeneratedTitle],
    users: list[GeneratedUser],
    rng: np.random.Generator,
    *,
    days: float,
    allowed: dict[str, np.ndarray] | None = None,
) -> list[Journey]:
    """Each user's journeys over `days` days (`allowed`: territory -> bool mask of the titles shown there)."""
    quality = np.array([t.quality for t in titles])
    released = np.array([t.released for t in titles])
    journeys: list[Journey] = []
    for u, user in enumerate(users):
        affinity = np.array([_affinity(user, t) for t in titles])
        speaks = np.array([user.language in t.languages for t in titles])
        weight = quality * np.exp(2.5 * affinity) * np.where(speaks, 1.0, 0.08)
        if allowed is not None:
            weight = weight * allowed.get(user.territory, np.ones(len(titles), dtype=bool))
        count = int(rng.poisson(user.activity))
        for day in np.sort(rng.uniform(0, days, size=count)):
            available = weight * (released <= day) * (1.0 + 2.0 * np.clip(1 - (day - released) / 14, 0, 1))
            total = available.sum()
            if total <= 0:
                continue
            choice = int(rng.choice(len(titles), p=available / total))
            title = titles[choice]
            liking = 1 / (1 + np.exp(-(affinity[choice] * 2.0 - 0.5)))
            reached = 1
            unlocks = 0
            while reached < title.episodes:
                # Steep early drop-off, then the binge holds; the paywall is where most journeys end.
                keep = (0.5 + 0.45 * liking) if reached <= 3 else (0.86 + 0.12 * liking)
                if reached == title.free_episodes:
                    keep = 0.03 + 0.35 * liking**2
                if rng.random() > keep:
                    break
                reached += 1
                if reached > title.free_episodes:
                    unlocks += 1
            last_share = float(rng.uniform(0.05, 1.0)) if rng.random() < 0.6 else 1.0
            journeys.append(
                Journey(
                    user=u, title=choice, day=float(day), reached=reached, last_share=last_share, unlocks=unlocks,
                    replays=int(rng.random() < 0.1), sessions=1 + reached // 25,
                    impressions=1 + int(rng.poisson(1.0)),
                )
            )  # fmt: skip
    return journeys


def journey_facts(journeys: list[Journey], titles: list[GeneratedTitle]) -> InteractionFacts:
    """The facts the event aggregation would find for these journeys (one element per journey)."""
    reached = np.array([j.reached for j in journeys], dtype=float)
    last = np.array([j.last_share for j in journeys], dtype=float)
    complete_last = last >= 1.0
    return InteractionFacts(
        plays=reached + np.array([j.replays for j in journeys], dtype=float),
        episodes_played=reached,
        watched=reached - 1 + last,
        episodes_completed=reached - 1 + complete_last,
        max_episode=reached,
        unlocks=np.array([j.unlocks for j in journeys], dtype=float),
        impressions=np.array([j.impressions for j in journeys], dtype=float),
        free_episode_count=np.array([titles[j.title].free_episodes for j in journeys], dtype=float),
    )


def generated_data(*, titles: int, users: int, days: float = 120.0, seed: int = 20260101) -> GeneratedData:
    rng = np.random.default_rng(seed)
    generated_titles = titles_generate(titles, rng, days=days)
    generated_users = users_generate(users, rng)
    data = GeneratedData(titles=generated_titles, users=generated_users)
    data.journeys = journeys_generate(generated_titles, generated_users, rng, days=days)
    return data


def interaction_set(data: GeneratedData):  # -> evaluation.InteractionSet
    """The generated journeys as the evaluation's interaction set (pairs, confidence by the weighting
    table, time = the pair's first day), with synthetic content features."""
    from recommendations.evaluation import InteractionSet
    from recommendations.features import TitleDescription, content_features

    facts = journey_facts(data.journeys, data.titles)
    confidence = interaction_confidence(facts)
    pairs: dict[tuple[int, int], list[float]] = {}
    for journey, value in zip(data.journeys, confidence, strict=True):
        entry = pairs.setdefault((journey.user, journey.title), [0.0, journey.day])
        entry[0] += float(value)
        entry[1] = min(entry[1], journey.day)
    keys = list(pairs)
    descriptions = [
        TitleDescription(
            drama_id=t.index, genres=t.genres, tropes=t.tropes, original_language=t.original_language,
            languages=t.languages, format=t.format, synopses=[t.synopsis],
        )
        for t in data.titles
    ]  # fmt: skip
    return InteractionSet(
        item_ids=np.arange(len(data.titles)),
        user_keys=[f"{u.territory}|{u.language}" for u in data.users],
        rows=np.array([k[0] for k in keys], dtype=np.int64),
        cols=np.array([k[1] for k in keys], dtype=np.int64),
        confidence=np.array([pairs[k][0] for k in keys], dtype=np.float32),
        time=np.array([pairs[k][1] for k in keys], dtype=np.float64),
        features=content_features(descriptions).matrix,
    )


def bulk_interactions(
    *, users: int, items: int, interactions: int, factors: int = 16, seed: int = 5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and confidences at benchmark scale (low-rank taste, long-tailed popularity), vectorised:
    millions of pairs in seconds. Duplicated pairs are left for the matrix build to sum."""
    rng = np.random.default_rng(seed)
    popularity = rng.zipf(1.3, size=items).astype(np.float64)
    popularity /= popularity.sum()
    clusters = rng.integers(0, factors, size=items)
    user_cluster = rng.integers(0, factors, size=interactions)
    rows = rng.integers(0, users, size=interactions)
    # Half the picks follow the user's cluster, half global popularity.
    by_popularity = rng.choice(items, size=interactions, p=popularity)
    order = np.argsort(clusters, kind="stable")
    starts = np.searchsorted(clusters[order], np.arange(factors))
    ends = np.searchsorted(clusters[order], np.arange(factors), side="right")
    sizes = np.maximum(ends - starts, 1)
    in_cluster = order[
        np.minimum(
            starts[user_cluster] + (rng.random(interactions) * sizes[user_cluster]).astype(np.int64), len(order) - 1
        )
    ]
    cols = np.where(rng.random(interactions) < 0.5, by_popularity, in_cluster)
    confidence = (1.0 + rng.exponential(3.0, size=interactions)).astype(np.float32)
    return rows.astype(np.int64), cols.astype(np.int64), confidence
