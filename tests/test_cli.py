"""The installed `pixart-nb` command, run as a user runs it."""
import subprocess
import sys
from pathlib import Path


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


def test_generate_writes_only_on_success(tmp_path):
    from pixart_nb.pipeline import save_tiny_pipeline
    root = save_tiny_pipeline(tmp_path / "model")
    out = tmp_path / "img.png"
    r = run("generate", "a red circle above a blue square", "--model", str(root), "--steps", "4", "--seed", "1",
            "--height", "192", "--width", "320", "-o", str(out))
    assert r.returncode == 0, r.stderr
    from PIL import Image
    assert Image.open(out).size == (320, 192) and "seed 1" in r.stdout

    before = out.read_bytes()
    broken = tmp_path / "broken"
    broken.mkdir()
    r = run("generate", "a red circle", "--model", str(broken), "-o", str(out))
    assert r.returncode == 2 and "has no tokenizer/, text_encoder/, vae/" in r.stderr
    assert out.read_bytes() == before                       # the earlier image is untouched

    r = run("generate", "x", "--model", str(root), "--steps", "2", "--num", "2", "-o", str(tmp_path / "many.png"))
    assert r.returncode == 0 and (tmp_path / "many-0.png").is_file() and (tmp_path / "many-1.png").is_file()


def test_generate_bundled_model(tmp_path):
    "README's first command: no --model, offline, seconds."
    r = run("generate", "a red circle above a blue square", "-o", str(tmp_path / "out.png"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.png").is_file() and "128×128" in r.stdout


def test_generate_shipped_grid_model(tmp_path):
    "The what-where grid model by its shipped name: its grid VAE draws the 4×4 latent as a 128 px image."
    r = run("generate", "a red circle above a blue square", "--model", "shapes-grid", "--seed", "0", "-o", str(tmp_path / "grid.png"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "grid.png").is_file() and "128×128" in r.stdout


def test_generate_errors(tmp_path):
    r = run("generate", "a red circle", "--backend", "tensorrt", "-o", str(tmp_path / "x.png"))
    assert r.returncode == 2 and "needs --engine-dir" in r.stderr and not (tmp_path / "x.png").exists()
    r = run("generate", "a red circle", "--model", "m", "-o", str(tmp_path / "x.gif"))
    assert r.returncode == 2 and "must end in one of .png" in r.stderr
    r = run("generate", "--help")
    for flag in ("--model", "--negative", "--steps", "--guidance", "--sampler", "--height", "--width", "--seed", "--num",
                 "--device", "--dtype", "--backend", "--engine-dir", "--output"):
        assert flag in r.stdout


def test_train_errors(tmp_path):
    r = run("train", "--recipe", "imagenet", "--out", str(tmp_path / "run"))
    assert r.returncode == 2 and "known recipes: shapes, shapes-grid, test" in r.stderr
    r = run("train", "--recipe", "test", "--set", f"encoders={tmp_path}", "--out", str(tmp_path / "run"))
    assert r.returncode == 2 and "has no tokenizer/, text_encoder/, vae/" in r.stderr
    r = run("train", "--recipe", "test", "--resume", "--out", str(tmp_path / "nothing"))
    assert r.returncode == 2 and "no intact checkpoint" in r.stderr
    r = run("train", "--recipe", "test", "--set", "colour=red")
    assert r.returncode == 2 and "unknown training options ['colour']" in r.stderr


def test_train_runs(tmp_path):
    from pixart_nb.pipeline import save_tiny_pipeline
    enc = save_tiny_pipeline(tmp_path / "enc")
    r = run("train", "--recipe", "test", "--set", f"encoders={enc}", "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "run" / "final" / "model.safetensors").is_file()
    r = run("train", "--recipe", "test", "--set", f"encoders={enc}", "--out", str(tmp_path / "run"))
    assert r.returncode == 2 and "already holds a run" in r.stderr


def test_export_errors(tmp_path):
    r = run("export", "--recipe", "sigma-4k", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "unknown export recipe 'sigma-4k'" in r.stderr and not (tmp_path / "x").exists()
    r = run("export", "--help")
    for flag in ("--recipe", "--to", "--out"):
        assert flag in r.stdout
