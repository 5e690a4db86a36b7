"""The bundled shapes model: it ships complete and small, loads offline, and reproduces its recorded ShapesEval score."""
import json

from pixart_nb.pipeline import bundled_model, load_pipeline
from pixart_nb.shapeseval import heldout_prompts
from pixart_nb.training import score_pipeline


def test_bundle_is_complete_and_small():
    folder = bundled_model()
    for part in ("tokenizer", "text_encoder", "vae", "transformer", "scheduler", "record.json", "training/log.jsonl"):
        assert (folder / part).exists(), part
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"bundled model: {size / 2**20:.1f} MiB")
    assert size <= 30 * 2**20
    rec = json.loads((folder / "record.json").read_text())
    assert {"recipe", "command", "commit", "train_seconds", "shapeseval", "config"} <= set(rec)


def test_recorded_scores_reproduce_on_a_subset():
    "The held-out prompts of the record's best-scoring category, drawn as the record says (DPM-Solver++ 20 steps, guidance 4.5, seed 0)."
    folder = bundled_model()
    rec = json.loads((folder / "record.json").read_text())["shapeseval"]["dpm-solver++ 20 steps, guidance 4.5"]
    held = heldout_prompts()
    size = {c: sum(e["category"] == c for e in held) for c in rec if c not in ("overall", "seconds")}
    best = max(size, key=lambda c: (rec[c], -size[c]))          # non-zero marks if the model has any; the cheaper on ties
    prompts = [e for e in held if e["category"] == best]
    got = score_pipeline(load_pipeline(folder), prompts=prompts)["scores"][best]
    print(f"{best}: recorded {rec[best]}, reproduced {got} on {len(prompts)} prompts")
    assert abs(got - rec[best]) < 1e-4       # the record rounds to 4 places
