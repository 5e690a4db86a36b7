"""The course's rules that span notebooks: a module imports only lower-numbered modules (lazy imports inside functions
included), and no notebook cites a file a learner does not have."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _modules() -> dict[str, int]:
    "Module name → its notebook's number, from each notebook's default_exp."
    order = {}
    for nb in sorted((ROOT / "nbs").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            m = re.match(r"#\|\s*default_exp\s+(\S+)", "".join(cell["source"]))
            if m:
                order[m.group(1)] = int(nb.name[:2])
    return order


def test_modules_import_only_lower_numbers():
    order = _modules()
    assert {"vae", "pipeline", "tiny", "training"} <= set(order)
    upward = []
    for mod, n in order.items():
        text = (ROOT / "pixart_nb" / (mod.replace(".", "/") + ".py")).read_text()
        for m in re.finditer(r"^\s*(?:from|import)\s+(?:pixart_nb\.|\.)([a-z_][a-z_.]*)", text, re.M):
            dep = m.group(1)
            if order.get(dep, -1) >= n:
                upward.append(f"{mod} ({n:02d}) imports {dep} ({order[dep]:02d})")
    assert not upward, upward


def test_notebooks_cite_no_missing_files():
    "SPEC.md and other files outside the repository are not cited; facts are stated where they are used."
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        text = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"])
        assert "SPEC.md" not in text and "SPEC §" not in text, nb.name
        for cited in re.findall(r"`((?:benchmarks|tests|export)/[\w./-]+\.(?:py|md|json))`", text):
            assert (ROOT / cited).exists(), f"{nb.name} cites {cited}, which is not in the repository"
