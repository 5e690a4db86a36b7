"""Shared pieces of the benchmarks: timing, peak memory in a fresh process, the machine, and writing results."""
from __future__ import annotations

import gc
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

OUT = Path(__file__).parent / "out"


def median_time(fn, repeats: int = 3, warmup: int = 1) -> float:
    "Median wall seconds of `fn()` over `repeats` runs after `warmup` runs."
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _rss_peak() -> int:
    "This process's peak resident memory in bytes since start or since the last `reset_peak_memory()`."
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_memory() -> None:
    "Start the peak-memory count again from the current resident size (Linux), so set-up does not count."
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _child(target, args, queue):
    result = target(*args)
    queue.put((result, _rss_peak()))


def in_fresh_process(target, *args) -> tuple[object, int]:
    "Run `target(*args)` in a new process; returns its result and its peak resident memory in bytes (from its last `reset_peak_memory()`)."
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(target, args, q))
    p.start()
    result, peak = q.get()
    p.join()
    return result, peak


def matmul_peak_gflops(n: int = 2048, dtype=torch.float32) -> float:
    "This CPU's measured float32 matmul throughput (GFLOP/s) on n×n matrices: the 'peak' we compare against."
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    t = median_time(lambda: a @ b, repeats=5)
    return 2 * n**3 / t / 1e9


def machine() -> dict:
    "What the figures were measured on."
    import diffusers, transformers
    try:
        git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True, cwd=Path(__file__).parent).stdout.strip()
        commit = git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if git("status", "--porcelain") else "")
    except Exception:
        commit = "unknown"
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": sys.version.split()[0],
            "torch": torch.__version__, "diffusers": diffusers.__version__, "transformers": transformers.__version__,
            "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None, "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def save(name: str, result: dict, out: Path | None = None) -> Path:
    "Write a benchmark's result as JSON under benchmarks/out (or `out`)."
    out = Path(out or OUT)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **result}, indent=2) + "\n")
    return path


def table(rows: list[dict], cols: list[str]) -> str:
    "A markdown table of `rows` with columns `cols`."
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)
