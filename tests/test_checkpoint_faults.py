"""Faults on disk: torn writes, truncated files, hostile pickles."""
import os
import pickle

import pytest

from pixart_nb.checkpoints import atomic_write, load_transformer, read_state_dict, save_pretrained
from pixart_nb.transformer import PixArtSigma


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"old")

    def boom(p):
        open(p, "wb").write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]  # no temporary left behind


def test_truncated_safetensors_is_a_clear_error(tmp_path):
    save_pretrained(PixArtSigma("tiny"), tmp_path)
    f = tmp_path / "model.safetensors"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(Exception):
        load_transformer(tmp_path)


def test_hostile_pickle_runs_nothing(tmp_path):
    flag = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {flag}",))

    (tmp_path / "evil.pth").write_bytes(pickle.dumps({"state_dict": {"w": Evil()}}, protocol=2))
    with pytest.raises(ValueError, match="weights_only=True refused it"):
        read_state_dict(tmp_path / "evil.pth")
    assert not flag.exists()
