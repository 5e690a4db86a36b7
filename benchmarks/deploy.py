"""Deployment on this CPU: onnxruntime against PyTorch for the transformer (tiny and XL/2 at 256 px), the T5 encoder and
the VAE decoder of the bundled model; and end-to-end `generate` latency of the bundled model per backend.

python -m benchmarks.deploy [--toy]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from benchmarks.common import median_time, save, table


def _pair(name, torch_fn, ort_fn, repeats):
    with torch.inference_mode():
        a = median_time(torch_fn, repeats=repeats)
    b = median_time(ort_fn, repeats=repeats)
    return {"part": name, "pytorch_s": a, "onnxruntime_s": b, "ratio_ort_over_torch": b / a}


def _transformer_row(config: str, px: int, folder: Path, repeats: int) -> dict:
    "PyTorch against onnxruntime for one transformer config (its graph is deleted afterwards)."
    from pixart_nb.export.onnx import OrtModel, export_transformer
    from pixart_nb.transformer import PixArtSigma, get_config, randomize_
    m = randomize_(PixArtSigma(get_config(config)), seed=0, scale=0.5).eval()
    path = export_transformer(m, folder / f"{config}.onnx", max_batch=4, max_side=64)
    ort = OrtModel(path)
    x, t = torch.randn(2, 4, px // 8, px // 8), torch.tensor([500.0, 500.0])
    y, mask = torch.randn(2, 120, m.config.caption_channels), torch.ones(2, 120)
    row = _pair(f"transformer {config} {px}px batch 2", lambda: m(x, t, y, mask), lambda: ort(x, t, y, mask), repeats)
    path.unlink()
    return row


def run(toy: bool = False, out=None) -> dict:
    from pixart_nb.export.onnx import export_pipeline, onnx_pipeline
    from pixart_nb.pipeline import bundled_model, load_pipeline
    repeats = 2 if toy else 5
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for config, px in [("tiny", 256)] + ([] if toy else [("PixArt-Sigma-XL-2-1024-MS", 256)]):
            rows.append(_transformer_row(config, px, Path(d), repeats))
            print(table([rows[-1]], list(rows[-1])), flush=True)
        pipe = load_pipeline(bundled_model())
        export_pipeline(pipe, Path(d) / "shapes")
        ort_pipe = onnx_pipeline(Path(d) / "shapes")
        te = pipe.text_encoder
        ids, am = te.tokenize(["a red circle above a blue square"] * 2)
        t5 = ort_pipe.text_encoder.encoder
        rows.append(_pair("T5 encoder (bundled) batch 2", lambda: te.encoder(ids, attention_mask=am), lambda: t5(ids, am), repeats))
        n = pipe.native_size // pipe.vae.scale_factor
        z = torch.randn(1, pipe.vae.latent_channels, n, n)
        rows.append(_pair("VAE decoder (bundled) 128 px", lambda: pipe.vae.decode(z), lambda: ort_pipe.vae.decode(z), repeats))
        kw = dict(steps=20, seed=0, progress=False)
        rows.append(_pair("generate, bundled model, 20 steps", lambda: pipe("a red circle above a blue square", **kw),
                          lambda: ort_pipe("a red circle above a blue square", **kw), repeats))
        for r in rows[-3:]:
            print(table([r], list(r)), flush=True)
    result = {"rows": rows}
    save("deploy", result, out)
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--toy", action="store_true")
    r = run(ap.parse_args().toy)
    print(table(r["rows"], ["part", "pytorch_s", "onnxruntime_s", "ratio_ort_over_torch"]))
