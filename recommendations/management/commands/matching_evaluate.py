"""`manage.py matching_evaluate [--interactions FILE]`: offline evaluation of the matching model."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.core.management.base import BaseCommand, CommandError

from recommendations.evaluation import BASELINE, MODELS, InteractionSet, evaluate
from recommendations.generator import generated_data, interaction_set


def movielens_read(path: Path) -> InteractionSet:
    """`user item rating timestamp` rows, tab-separated (MovieLens u.data); every rating is a positive with
    its rating as confidence. No territories, languages or features: territory × language popularity is the
    global popularity there, and the content model has nothing to go on."""
    users: dict[str, int] = {}
    items: dict[str, int] = {}
    rows, cols, values, times = [], [], [], []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4:
                raise CommandError(f"{path}:{number}: expected `user item rating timestamp`, tab-separated.")
            try:
                rating, stamp = float(parts[2]), float(parts[3])
            except ValueError as exc:
                raise CommandError(f"{path}:{number}: rating and timestamp must be numbers.") from exc
            rows.append(users.setdefault(parts[0], len(users)))
            cols.append(items.setdefault(parts[1], len(items)))
            values.append(rating)
            times.append(stamp)
    if not rows:
        raise CommandError(f"{path}: no interactions.")
    return InteractionSet(
        item_ids=np.arange(len(items)),
        user_keys=["ALL|"] * len(users),
        rows=np.array(rows),
        cols=np.array(cols),
        confidence=np.array(values, dtype=np.float32),
        time=np.array(times),
        features=sp.csr_matrix((len(items), 1), dtype=np.float32),
    )


class Command(BaseCommand):
    help = (
        "Evaluate random, popularity (global, territory × language), item-kNN, ALS, the content model and the "
        "blend on a global time split: NDCG@10, recall@20, coverage@10, with paired bootstrap intervals."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interactions", type=Path, help="A MovieLens-style TSV: user item rating timestamp.")
        parser.add_argument("--titles", type=int, default=800, help="Generated titles (without --interactions).")
        parser.add_argument("--users", type=int, default=12000, help="Generated users (without --interactions).")
        parser.add_argument("--seed", type=int, default=20260101)
        parser.add_argument("--rounds", type=int, default=1000, help="Bootstrap resamples.")
        parser.add_argument("--json", type=Path, help="Also write the report as JSON here.")

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["interactions"]:
            if not options["interactions"].is_file():
                raise CommandError(f"{options['interactions']}: no such file.")
            data = movielens_read(options["interactions"])
            source = str(options["interactions"])
        else:
            data = interaction_set(
                generated_data(titles=options["titles"], users=options["users"], seed=options["seed"])
            )
            source = f"generator (seed {options['seed']}, {options['titles']} titles, {options['users']} users)"
        report = evaluate(data, rounds=options["rounds"])
        report["source"] = source
        report["seconds"] = round(time.monotonic() - started, 1)
        self.stdout.write(
            f"{source}: {report['users']} users, {report['items']} titles, {report['interactions']} interactions; "
            f"{report['test_users']} test users, {report['cold_items']} cold titles"
        )
        self.stdout.write(f"blend weights {report['blend_weights']} ({report['blend_choice']})")
        header = f"{'model':32} {'NDCG@10':>8} {'recall@20':>9} {'cov@10':>7} {'cold r@20':>9}   NDCG@10 ÷ {BASELINE} [95% CI]"
        self.stdout.write(header)
        for name in MODELS:
            row = report["models"][name]
            ratio, low, high = row[f"ndcg@10 vs {BASELINE}"]
            self.stdout.write(
                f"{name:32} {row['ndcg@10']:8.4f} {row['recall@20']:9.4f} {row['coverage@10']:7.3f} "
                f"{row['cold_recall@20']:9.4f}   {ratio:5.2f} [{low:.2f}, {high:.2f}]"
            )
        blend, base, rand = report["models"]["blend"], report["models"][BASELINE], report["models"]["random"]
        goals = {
            "blend NDCG@10 ≥ 1.1× territory×language popularity, interval excluding 1": (
                blend[f"ndcg@10 vs {BASELINE}"][0] >= 1.1 and blend[f"ndcg@10 vs {BASELINE}"][1] > 1
            ),
            "coverage@10 ≥ 3× popularity's": blend["coverage@10"] >= 3 * base["coverage@10"],
            "cold titles' recall@20 ≥ 1.5× random": blend["cold_recall@20"] >= 1.5 * rand["cold_recall@20"],
            "no sign of leakage (blend < 3× popularity)": blend[f"ndcg@10 vs {BASELINE}"][0] < 3,
        }
        report["goals"] = goals
        # The goals are set for the generator's data; another data set's figures are read, not judged.
        if not options["interactions"]:
            for goal, met in goals.items():
                self.stdout.write(f"  {'met' if met else 'NOT MET'}: {goal}")
        self.stdout.write(f"{report['seconds']} s")
        if options["json"]:
            options["json"].write_text(json.dumps(report, indent=2, default=float))
