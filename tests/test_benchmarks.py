"""Every benchmark script runs at toy size, so none of them rots (figures at toy size mean nothing and are not checked)."""
import json
import pytest
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_benchmarks_run_at_toy_size(tmp_path):
    r = subprocess.run([sys.executable, "-m", "benchmarks.run_all", "--toy", "--out", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ("transformer", "kv_compress", "sampling", "training", "deploy"):
        rows = json.loads((tmp_path / f"{name}.json").read_text())["rows"]
        assert rows, name
    assert (tmp_path / "kv_compress.png").is_file() and (tmp_path / "sampling.png").is_file()
    report = (tmp_path / "RESULTS.md").read_text()
    assert "## 1. Transformer forward" in report and "## 3. Sampling quality" in report
    # the sampling table names the model it measured from its own JSON, not from whatever bundle ships when the report is written
    from pixart_nb.pipeline import bundled_model
    record = json.loads((bundled_model() / "record.json").read_text())
    model = json.loads((tmp_path / "sampling.json").read_text())["model"]
    assert model["commit"] == record["commit"] and f"commit {record['commit'][:7]}" in report
    # --report rewrites the report from the JSON without running anything, and leaves the real RESULTS.md alone
    before = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    (tmp_path / "RESULTS.md").unlink()
    r = subprocess.run([sys.executable, "-m", "benchmarks.run_all", "--report", "--out", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "==" not in r.stdout and (tmp_path / "RESULTS.md").read_text() == report
    assert (ROOT / "benchmarks" / "RESULTS.md").read_text() == before
    # a table measured on another bundle keeps naming that bundle when the report is rewritten later
    sampling = json.loads((tmp_path / "sampling.json").read_text())
    sampling["model"] = {"commit": "0123456789abcdef", "recorded_overall": 0.5}
    (tmp_path / "sampling.json").write_text(json.dumps(sampling))
    r = subprocess.run([sys.executable, "-m", "benchmarks.run_all", "--report", "--out", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    report = (tmp_path / "RESULTS.md").read_text()
    assert "commit 0123456 (its record: overall 0.500" in report and f"commit {record['commit'][:7]}" not in report


@pytest.mark.parametrize("opts", [["--t5", "random"], ["--t5", "joint"], ["--t5", "local", "--selfcond", "--long", "0", "--gss", "1,2"],
                                  ["--G", "16", "--patch", "4", "--coarse", "4"],
                                  ["--t5", "local", "--long", "0", "--order", "--mix", "position=2,color_attr=2",
                                   "--decoder", "benchmarks/out/grid_decoder"]])
def test_grid_latent_runs_at_toy_size(tmp_path, opts):
    "The grid-latent experiment (not part of run_all: a full run trains for 20 minutes) runs end to end and writes its JSON."
    r = subprocess.run([sys.executable, "-m", "benchmarks.grid_latent", "--toy", *opts, "--out", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((tmp_path / "grid_latent.json").read_text())
    assert res["ceiling"] == 1.0 and res["steps"] > 0 and "overall" in res["seed0"] and "overall" in res["seed1"]
    assert sorted(res["seed0_by_guidance"]) == (["1.0", "2.0"] if "--gss" in opts else [])
    assert ("via_decoder" in res["seed0"]) == ("--decoder" in opts)        # the 4×4 grid drawn through the grid VAE


@pytest.mark.parametrize("opts, says", [(["--mix", "positions=2"], "--mix names category 'positions'"),
                                        (["--mix", "position"], "--mix entry 'position' is not CATEGORY=WEIGHT"),
                                        (["--G", "16", "--patch", "4", "--coarse", "4", "--order"], "--order works on the plain grid")])
def test_grid_latent_refuses_bad_options(tmp_path, opts, says):
    "A category the world does not have, a malformed weight, or mention channels on the coarse grid: a clear error, nothing written."
    r = subprocess.run([sys.executable, "-m", "benchmarks.grid_latent", "--toy", *opts, "--out", str(tmp_path / "o")], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode != 0 and says in r.stderr and not (tmp_path / "o").exists()


def test_grid_latent_fine_grid_through_the_decoder_saves_loads_and_probes(tmp_path):
    "On the 16×16 grid (patch 4) the samples are also drawn by the kept grid decoder; saved weights load back and sample the same."
    run = lambda *opts: subprocess.run([sys.executable, "-m", "benchmarks.grid_latent", "--toy", "--G", "16", "--patch", "4",
                                        "--decoder", "benchmarks/out/grid_decoder", *opts], cwd=ROOT, capture_output=True, text=True)
    r = run("--tlogit=-0.5,1.2", "--save", str(tmp_path / "m.pt"), "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr[-3000:]
    a = json.loads((tmp_path / "a" / "grid_latent.json").read_text())
    assert a["steps"] > 0 and "overall" in a["seed0"]["via_decoder"] and (tmp_path / "a" / "grid_latent.png").exists()
    r = run("--load", str(tmp_path / "m.pt"), "--probe", "--out", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr[-3000:]
    b = json.loads((tmp_path / "b" / "grid_latent.json").read_text())
    assert b["steps"] == 0 and sorted(b["probes"]) == ["dpm_solver_100", "iddpm_100", "training_captions"]
    assert (tmp_path / "a" / "grid_latent.png").read_bytes() == (tmp_path / "b" / "grid_latent.png").read_bytes()


def test_grid_decoder_runs_at_toy_size(tmp_path):
    "The grid-decoder experiment (20 minutes at full size) runs end to end, writes its JSON and picture, and resumes a saved decoder."
    run = lambda *opts: subprocess.run([sys.executable, "-m", "benchmarks.grid_decoder", "--toy", "--out", str(tmp_path), *opts],
                                       cwd=ROOT, capture_output=True, text=True)
    r = run("--save", str(tmp_path / "dec"))
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((tmp_path / "grid_decoder.json").read_text())
    assert res["steps"] > 0 and "overall" in res["ceiling"] and (tmp_path / "grid_decoder.png").exists()
    r = run("--init", str(tmp_path / "dec"))                     # a second run continues the saved decoder
    assert r.returncode == 0, r.stderr[-3000:]
    again = json.loads((tmp_path / "grid_decoder.json").read_text())
    assert again["steps_in_all"] == res["steps"] + again["steps"]
    r = run("--coarse", "4")                                    # the coarse grid repeated up to 16×16
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((tmp_path / "grid_decoder.json").read_text())["args"]["coarse"] == 4
    r = run("--coarse", "3")
    assert r.returncode != 0 and "--coarse 3 must divide the latent side --G 16" in r.stderr
