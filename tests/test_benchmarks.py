"""Every benchmark script runs at toy size, so none of them rots (figures at toy size mean nothing and are not checked)."""
import json
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
