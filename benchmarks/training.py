"""Training throughput: images per second and peak memory of the shapes recipe with and without gradient
checkpointing, float32 against bf16 autocast, one process against two (DDP over gloo), on this CPU.

python -m benchmarks.training [--toy]
Each configuration is a real `pixart-nb train` run (its own process tree) on a small shapes world; throughput comes
from the run's log (the first logged window, which includes start-up, is left out).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import save, table

CHILD = str(Path(__file__).parent / "_train_child.py")
CONFIGS = [("fp32", {}), ("fp32 + grad checkpointing", {"grad_checkpointing": "true"}),
           ("bf16 autocast", {"mixed_precision": "bf16"}), ("fp32, 2 processes (DDP)", {"_procs": 2})]


def run(toy: bool = False, out=None) -> dict:
    steps, items = (6, 64) if toy else (40, 512)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for name, opts in CONFIGS:
            procs = opts.get("_procs", 1)
            sets = {"world_items": items, "log_every": 2 if toy else 5, "sample_every": 0, "checkpoint_every": 100000,
                    "batch_size": 8 if toy else 32, **{k: v for k, v in opts.items() if not k.startswith("_")}}
            if toy:
                sets["model"] = "tiny"
            args = ["train", "--recipe", "shapes", "--out", f"{d}/{len(rows)}", "--steps", str(steps)]
            for k, v in sets.items():
                args += ["--set", f"{k}={v}"]
            launcher = [sys.executable] if procs == 1 else [sys.executable, "-m", "torch.distributed.run",
                                                            "--nproc_per_node", str(procs)]
            r = subprocess.run(launcher + [CHILD, *args], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"{name}: training failed:\n{r.stderr[-2000:]}")
            log = [json.loads(l) for l in (Path(d) / str(len(rows)) / "log.jsonl").read_text().splitlines()]
            ips = [x["images_per_s"] for x in log[1:]] or [log[0]["images_per_s"]]
            peak = max(float(m) for m in re.findall(r"PEAK_RSS_MB=([0-9.]+)", r.stderr))
            row = {"config": name, "processes": procs, "images_per_s": sum(ips) / len(ips),
                   "steps_per_s": sum(ips) / len(ips) / sets["batch_size"], "peak_mb_per_process": peak}
            rows.append(row)
            print(table([row], list(row)), flush=True)
    base = rows[0]["images_per_s"]
    for row in rows:
        row["speed_vs_fp32"] = row["images_per_s"] / base
    result = {"recipe": "shapes" if not toy else "shapes (tiny model)", "steps": steps, "rows": rows}
    save("training", result, out)
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--toy", action="store_true")
    r = run(ap.parse_args().toy)
    print(table(r["rows"], ["config", "processes", "images_per_s", "steps_per_s", "speed_vs_fp32", "peak_mb_per_process"]))
