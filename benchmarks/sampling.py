"""Sampling quality against model evaluations on the bundled shapes model: ShapesEval overall on the held-out prompts
for DPM-Solver++, SA-Solver, DDIM and IDDPM at several step counts, with wall time; guidance 4.5.

python -m benchmarks.sampling [--toy] [--prompts N]
--prompts N scores an even spread of N held-out prompts (every k-th) instead of all of them.
Writes benchmarks/out/sampling.json (with the measured bundle's record commit and recorded score) and sampling.png
(score against NFE).
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from benchmarks.common import OUT, save, table

GRID = [("dpm-solver", s) for s in (5, 10, 14, 20, 25)] + [("sa-solver", 25), ("ddim", 20), ("ddim", 50),
                                                           ("iddpm", 100), ("iddpm", 250)]


def run(toy: bool = False, out=None, prompts: int | None = None) -> dict:
    from pixart_nb.pipeline import bundled_model, load_pipeline
    from pixart_nb.shapeseval import heldout_prompts
    from pixart_nb.training import score_pipeline
    torch.set_num_threads(torch.get_num_threads())
    pipe = load_pipeline(bundled_model())
    held = heldout_prompts()
    if prompts is not None and not 1 <= prompts <= len(held):
        raise ValueError(f"--prompts must be between 1 and {len(held)} (the held-out set), got {prompts}")
    prompts = held[::40] if toy else held[::len(held) // prompts][:prompts] if prompts else held
    grid = [("dpm-solver", 5), ("ddim", 5)] if toy else GRID
    rows = []
    for sampler, steps in grid:
        t0 = time.time()
        r = score_pipeline(pipe, sampler=sampler, steps=steps, guidance=4.5, prompts=prompts)
        row = {"sampler": sampler, "steps": steps, "nfe": steps, "overall": r["scores"]["overall"],
               "seconds_per_image": (time.time() - t0) / len(prompts),
               **{k: v for k, v in r["scores"].items() if k != "overall"}}
        rows.append(row)
        print(table([row], list(row)), flush=True)
    record = json.loads((bundled_model() / "record.json").read_text())
    model = {"commit": record["commit"], "recorded_overall": record["shapeseval"]["dpm-solver++ 20 steps, guidance 4.5"]["overall"]}
    result = {"prompts": len(prompts), "heldout": len(held), "guidance": 4.5, "model": model, "rows": rows}
    save("sampling", result, out)
    plot(result, (out or OUT) / "sampling.png")
    return result


def plot(result: dict, path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for sampler in dict.fromkeys(r["sampler"] for r in result["rows"]):
        pts = [(r["nfe"], r["overall"]) for r in result["rows"] if r["sampler"] == sampler]
        ax.plot(*zip(*pts), "o-", label=sampler)
    ax.set(xscale="log", xlabel="model evaluations (steps)", ylabel="ShapesEval overall",
           title=f"bundled shapes model, {result['prompts']} held-out prompts"); ax.legend()
    plt.tight_layout(); fig.savefig(path, dpi=80); plt.close(fig)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--toy", action="store_true")
    ap.add_argument("--prompts", type=int, help="score this many held-out prompts (an even spread) instead of all")
    args = ap.parse_args()
    r = run(args.toy, prompts=args.prompts)
    print(table(r["rows"], ["sampler", "steps", "overall", "seconds_per_image"]))
