"""Training runs as real processes: DDP equivalence under torchrun and exact resume after SIGKILL."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

WORKER = str(Path(__file__).parent / "train_worker.py")


@pytest.fixture(scope="module")
def encoders(tmp_path_factory):
    from pixart_nb.pipeline import save_tiny_pipeline
    return str(save_tiny_pipeline(tmp_path_factory.mktemp("enc")))


def log_of(run):
    "step → record, the last occurrence of each step winning (a resumed run repeats steps after its checkpoint)."
    out = {}
    for line in (Path(run) / "log.jsonl").read_text().splitlines():
        r = json.loads(line)
        out[r["step"]] = r
    return out


def test_two_processes_match_one(tmp_path, encoders):
    one, two = tmp_path / "one", tmp_path / "two"
    subprocess.run([sys.executable, WORKER, str(one), encoders, "--batch", "8"], check=True, capture_output=True)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    r = subprocess.run(torchrun + [WORKER, str(two), encoders, "--batch", "8"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = load_file(one / "final" / "model.safetensors"), load_file(two / "final" / "model.safetensors")
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    print(f"max |Δθ| after 6 steps, 1 process × 8 vs 2 processes × 4: {worst:.2e}")
    assert worst <= 1e-5
    la, lb = log_of(one), log_of(two)
    assert all(abs(la[s]["loss"] - lb[s]["loss"]) < 1e-5 for s in la)


def test_sigkill_and_resume_is_exact(tmp_path, encoders):
    full, killed = tmp_path / "full", tmp_path / "killed"
    args = ["--steps", "12", "--checkpoint-every", "3"]
    subprocess.run([sys.executable, WORKER, str(full), encoders] + args, check=True, capture_output=True)
    p = subprocess.Popen([sys.executable, WORKER, str(killed), encoders] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not (killed / "checkpoints" / "step_0000006").is_dir():
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    done = max(log_of(killed))
    assert done < 12, "the run finished before it could be killed"
    r = subprocess.run([sys.executable, WORKER, str(killed), encoders, "--resume"] + args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    la, lb = log_of(full), log_of(killed)
    assert sorted(lb) == list(range(1, 13))
    for s in range(1, 13):
        assert la[s]["loss"] == lb[s]["loss"], (s, la[s]["loss"], lb[s]["loss"])
    a, b = load_file(full / "final" / "model.safetensors"), load_file(killed / "final" / "model.safetensors")
    assert all((a[k] == b[k]).all() for k in a)          # bit-identical


@pytest.mark.skipif(not torch.cuda.is_available(), reason="gpu test: no CUDA device here")
@pytest.mark.parametrize("precision", ["no", "bf16"])
def test_trains_on_cuda(tmp_path, encoders, precision):
    "A run on a CUDA device: the feature cache is built there, samples and the final weights come out finite."
    from accelerate.state import AcceleratorState
    from pixart_nb.training import recipe, train
    AcceleratorState._reset_state(reset_partial_state=True)      # one process, several precisions: a fresh state each
    run = tmp_path / "run"
    train(recipe("test", encoders=encoders, mixed_precision=precision, sample_every=6), run, progress=False)
    final = load_file(run / "final" / "model.safetensors")
    assert all(v.isfinite().all() for v in final.values())
    assert (run / "samples" / "step_0000006.png").is_file()
    assert all(r["loss"] == r["loss"] for r in log_of(run).values())      # no NaN losses
