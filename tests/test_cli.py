"""The installed `pixart-nb` command, run as a user runs it."""
import subprocess
import sys
from pathlib import Path

import torch

from pixart_nb.checkpoints import save_original, save_pretrained
from pixart_nb.transformer import PixArtSigma


def run(*args):
    exe = Path(sys.executable).parent / "pixart-nb"   # the console script that `pip install` put beside python
    return subprocess.run([str(exe), *args], capture_output=True, text=True)


def test_info_registry():
    r = run("info", "PixArt-Sigma-XL-2-1024-MS")
    assert r.returncode == 0, r.stderr
    assert "parameters: 610,856,096" in r.stdout and "4,096 image tokens" in r.stdout


def test_info_checkpoints(tmp_path):
    model = PixArtSigma("tiny")
    save_pretrained(model, tmp_path / "ours")
    save_original(model, tmp_path / "tiny-256.pth")
    for path in (tmp_path / "ours", tmp_path / "tiny-256.pth"):
        r = run("info", str(path))
        assert r.returncode == 0, r.stderr
        assert f"parameters: {sum(p.numel() for p in model.parameters()):,}" in r.stdout


def test_info_errors(tmp_path):
    r = run("info", "no-such-model")
    assert r.returncode == 2 and "neither a registry name" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    r = run("info", str(tmp_path / "junk.pth"))
    assert r.returncode == 2 and "not a plain tensor checkpoint" in r.stderr


def test_help():
    r = run("--help")
    assert r.returncode == 0 and "info" in r.stdout
