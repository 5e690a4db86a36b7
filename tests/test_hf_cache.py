"""A Hugging Face repo id resolves from the local cache with HF_HUB_OFFLINE=1 (no network), through the same loader."""
import os
import subprocess
import sys


def test_repo_id_from_offline_cache(tmp_path):
    from pixart_nb.pipeline import save_tiny_pipeline
    repo = tmp_path / "hub" / "models--PixArt-alpha--pixart-nb-tiny-test"
    save_tiny_pipeline(repo / "snapshots" / "0123456789abcdef")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123456789abcdef")
    code = ("from pixart_nb.pipeline import load_pipeline\n"
            "p = load_pipeline('PixArt-alpha/pixart-nb-tiny-test')\n"
            "img = p('a red circle', steps=2, seed=0, output_type='np', progress=False)\n"
            "print(img.shape)")
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "(1, 256, 256, 3)" in r.stdout
