"""Content features of titles: genres, tropes, languages, format, credits, source work and synopses.

Each kind of feature is a block of columns, tf-idf weighted, L2-normalised and scaled by its block weight, so
that no block dominates by its size. Synopses are read as character n-grams (2 to 4 characters, hashed): they
work across scripts (Chinese, Thai and Arabic have no spaces to split words on) and across translations that
share names.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from catalog.models import Drama

BLOCK_WEIGHTS = {
    "trope": 1.0,
    "genre": 0.6,
    "language": 0.5,
    "original_language": 0.3,
    "format": 0.3,
    "credit": 0.4,
    "source": 0.3,
    "synopsis": 0.6,
}
NGRAM_SIZES = (2, 3, 4)
NGRAM_BUCKETS = 1 << 15


@dataclass
class TitleDescription:
    """What the content model knows about a title. `tropes` starts with its primary trope."""

    drama_id: int
    genres: list[str] = field(default_factory=list)
    tropes: list[str] = field(default_factory=list)
    original_language: str = ""
    languages: list[str] = field(default_factory=list)
    format: str = ""
    credits: list[str] = field(default_factory=list)
    source_work: str = ""
    synopses: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def primary_trope(self) -> str:
        return self.tropes[0] if self.tropes else ""


def titles_describe(*, drama_ids: Iterable[int] | None = None) -> list[TitleDescription]:
    """Descriptions of published titles (or of `drama_ids`), ordered by id. Six queries whatever the count."""
    from localization.models import DramaLocalization

    dramas = Drama.objects.filter(status="published") if drama_ids is None else Drama.objects.filter(pk__in=drama_ids)
    described = {
        pk: TitleDescription(
            drama_id=pk,
            original_language=language,
            format=kind,
            source_work=str(source) if source else "",
            title=title,
        )
        for pk, language, kind, source, title in dramas.values_list(
            "pk", "original_language", "format", "source_work_id", "original_title"
        )
    }
    ids = list(described)
    genres = Drama.genres.through.objects.filter(drama_id__in=ids).order_by("id")
    for drama_id, slug in genres.values_list("drama_id", "genre__slug"):
        described[drama_id].genres.append(slug)
    # The first trope attached is the primary one: the order content managers entered them in.
    tropes = Drama.tropes.through.objects.filter(drama_id__in=ids).order_by("id")
    for drama_id, slug in tropes.values_list("drama_id", "trope__slug"):
        described[drama_id].tropes.append(slug)
    for drama_id, person_id in (
        Drama.objects.filter(pk__in=ids).exclude(credits=None).values_list("pk", "credits__person_id")
    ):
        described[drama_id].credits.append(str(person_id))
    for drama_id, language, synopsis_short, synopsis_long in DramaLocalization.objects.filter(
        drama_id__in=ids
    ).values_list("drama_id", "language", "synopsis_short", "synopsis_long"):
        described[drama_id].languages.append(language)
        text = synopsis_long or synopsis_short
        if text:
            described[drama_id].synopses.append(text)
    return [described[pk] for pk in sorted(described)]


def char_ngrams(text: str) -> list[int]:
    """Hashed character n-grams of `text` (lower-cased, whitespace folded), stable across processes."""
    folded = " " + " ".join(text.lower().split()) + " "
    return [
        zlib.crc32(folded[i : i + n].encode()) % NGRAM_BUCKETS
        for n in NGRAM_SIZES
        for i in range(max(0, len(folded) - n + 1))
    ]


def _normalise_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def _tfidf_block(token_lists: list[list[int]], width: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for row, tokens in enumerate(token_lists):
        counts: dict[int, int] = defaultdict(int)
        for token in tokens:
            counts[token] += 1
        for token, count in counts.items():
            rows.append(row)
            cols.append(token)
            vals.append(1.0 + np.log(count))
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(token_lists), width), dtype=np.float64)
    document_frequency = np.bincount(matrix.indices, minlength=width)
    idf = np.log((1 + len(token_lists)) / (1 + document_frequency)) + 1.0
    return _normalise_rows(sp.csr_matrix(matrix @ sp.diags(idf)))


@dataclass
class ContentFeatures:
    """The feature matrix (titles × columns, rows L2-normalised) and the vocabulary of its named columns."""

    drama_ids: np.ndarray
    matrix: sp.csr_matrix
    primary_tropes: list[str]
    tropes: list[list[str]]
    languages: list[list[str]]


def content_features(descriptions: list[TitleDescription]) -> ContentFeatures:
    """The content feature matrix of these titles (same order)."""
    blocks = []
    named: dict[str, list[list[str]]] = {
        "trope": [d.tropes for d in descriptions],
        "genre": [d.genres for d in descriptions],
        "language": [d.languages for d in descriptions],
        "original_language": [[d.original_language] if d.original_language else [] for d in descriptions],
        "format": [[d.format] if d.format else [] for d in descriptions],
        "credit": [d.credits for d in descriptions],
        "source": [[d.source_work] if d.source_work else [] for d in descriptions],
    }
    for block, values in named.items():
        vocabulary: dict[str, int] = {}
        token_lists = [[vocabulary.setdefault(v, len(vocabulary)) for v in row] for row in values]
        if vocabulary:
            blocks.append(_tfidf_block(token_lists, len(vocabulary)) * BLOCK_WEIGHTS[block])
    synopsis_tokens = [[t for text in d.synopses for t in char_ngrams(text)] for d in descriptions]
    if any(synopsis_tokens):
        blocks.append(_tfidf_block(synopsis_tokens, NGRAM_BUCKETS) * BLOCK_WEIGHTS["synopsis"])
    if blocks:
        matrix = _normalise_rows(sp.hstack(blocks, format="csr"))
    else:
        matrix = sp.csr_matrix((len(descriptions), 1))
    return ContentFeatures(
        drama_ids=np.array([d.drama_id for d in descriptions], dtype=np.int64),
        matrix=sp.csr_matrix(matrix, dtype=np.float32),
        primary_tropes=[d.primary_trope for d in descriptions],
        tropes=[list(d.tropes) for d in descriptions],
        languages=[sorted(set(d.languages) | ({d.original_language} if d.original_language else set()))
                   for d in descriptions],
    )  # fmt: skip
