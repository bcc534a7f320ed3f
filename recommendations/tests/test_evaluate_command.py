"""`matching_evaluate --interactions FILE` on a MovieLens-layout file.

data/movielens_small.tsv is made up here, in the MovieLens u.data layout (user, item, rating, timestamp,
tab-separated): 120 users in four taste groups of 15 items each, three quarters of each user's 8-25 ratings
inside the group's block and rated higher there, timestamps over 180 days of 1997-98, seeded (random.Random(42)).
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recommendations.evaluation import MODELS

MOVIELENS = Path(__file__).parent / "data" / "movielens_small.tsv"


def test_the_evaluation_reads_a_movielens_file_and_prints_every_model(tmp_path):
    # given a tab-separated user item rating timestamp file
    out = io.StringIO()

    # when it is evaluated
    call_command("matching_evaluate", interactions=MOVIELENS, rounds=50, json=tmp_path / "r.json", stdout=out)

    # then the table has a row per model, with figures, and the report counts the file's rows
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{MOVIELENS}: 120 users, 60 titles, 1840 interactions")
    for name in MODELS:
        [row] = [line for line in lines if line.split()[:1] == [name] and "{" not in line]
        ndcg, recall, coverage = (float(v) for v in row.split()[1:4])
        assert 0 <= ndcg <= 1 and 0 <= recall <= 1 and 0 < coverage <= 1
    report = json.loads((tmp_path / "r.json").read_text())
    # the taste groups are learnable: the blend beats a random ranking
    assert report["models"]["blend"]["ndcg@10"] > report["models"]["random"]["ndcg@10"]


def test_a_file_that_is_not_in_the_layout_is_refused_naming_the_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\t2\t5\t874724710\n1\t3\tfive\t874724711\n")

    with pytest.raises(CommandError, match=r"bad.tsv:2: rating and timestamp must be numbers"):
        call_command("matching_evaluate", interactions=bad, stdout=io.StringIO())
