"""The bundled shapes models: each ships complete and small, loads offline, and reproduces its recorded ShapesEval score.
`bundled_model()` is the default of `pixart-nb generate`; `shapes_assets("shapes-grid")` is the what-where grid model."""
import json

import pytest

from pixart_nb.pipeline import bundled_model, load_pipeline
from pixart_nb.shapeseval import heldout_prompts
from pixart_nb.shapes import CATEGORIES
from pixart_nb.tiny import shapes_assets
from pixart_nb.training import RELEASE_SCORES, score_pipeline

BUNDLES = {"default": bundled_model, "shapes-grid": lambda: shapes_assets("shapes-grid")}


@pytest.mark.parametrize("name", BUNDLES)
def test_bundle_is_complete_and_small(name):
    folder = BUNDLES[name]()
    for part in ("tokenizer", "text_encoder", "vae", "transformer", "scheduler", "record.json", "training/log.jsonl"):
        assert (folder / part).exists(), part
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"{name} bundle: {size / 2**20:.1f} MiB")
    assert size <= 30 * 2**20
    rec = json.loads((folder / "record.json").read_text())
    assert {"recipe", "command", "commit", "train_seconds", "shapeseval", "config"} <= set(rec)
    assert rec["train_seconds"] <= 30 * 60, f"the bundle took {rec['train_seconds']} s to train; the budget is 1800 s"


@pytest.mark.parametrize("name", BUNDLES)
def test_recorded_scores_reproduce_on_a_subset(name):
    "The record's best mark, redrawn with its sampler on that category's held-out prompts (seed 0)."
    folder = BUNDLES[name]()
    record = json.loads((folder / "record.json").read_text())["shapeseval"]
    held = heldout_prompts()
    size = {c: sum(e["category"] == c for e in held) for c in CATEGORIES}
    marks = [(scores[c], -size[c] * RELEASE_SCORES[name_][1], name_, c) for name_, scores in record.items() for c in CATEGORIES]
    mark, _, sampler_name, best = max(marks)       # a non-zero mark if the model has one; the fewest model calls on ties
    sampler, steps, guidance = RELEASE_SCORES[sampler_name]
    prompts = [e for e in held if e["category"] == best]
    got = score_pipeline(load_pipeline(folder), sampler, steps, guidance, prompts=prompts)["scores"][best]
    print(f"{name}: {sampler_name}, {best}: recorded {mark}, reproduced {got} on {len(prompts)} prompts")
    assert abs(got - mark) < 1e-4       # the record rounds to 4 places
