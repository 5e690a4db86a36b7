"""KV token compression: cost of self-attention and of a whole block against the token count, sr = 1, 2, 4, at the XL/2
width (1152, 16 heads), CPU float32, batch 1; and the whole 1024 model with and without its KV-compressed blocks.

python -m benchmarks.kv_compress [--toy]
Writes benchmarks/out/kv_compress.json and kv_compress.png (log-log cost against tokens).
"""
from __future__ import annotations

import argparse

import torch

from benchmarks.common import OUT, in_fresh_process, median_time, save, table


def attention_flops(T: int, D: int, sr: int) -> int:
    "Self-attention FLOPs of one layer: qkv and output projections, the sr×sr depthwise conv on K and V, QKᵀ and PV."
    Tk = T // (sr * sr)
    return 2 * T * 3 * D * D + 2 * T * D * D + (2 * T * D * 2 if sr > 1 else 0) + 4 * T * Tk * D


def _measure(part: str, side: int, sr: int, D: int, heads: int, repeats: int) -> float:
    from pixart_nb.attention import SelfAttention
    from pixart_nb.transformer import PixArtBlock
    torch.manual_seed(0)
    T = side * side
    x = torch.randn(1, T, D)
    if part == "attention":
        m = SelfAttention(D, heads, sr_ratio=sr).eval()
        fn = lambda: m(x, (side, side))
    else:
        m = PixArtBlock(D, heads, sr_ratio=sr).eval()
        y, t0 = torch.randn(1, 120, D), torch.randn(1, 6 * D)
        fn = lambda: m(x, y, t0, None, (side, side))
    with torch.inference_mode():
        return median_time(fn, repeats=repeats)


def _model(config: str, side: int, repeats: int) -> float:
    from pixart_nb.transformer import PixArtSigma, get_config
    torch.manual_seed(0)
    m = PixArtSigma(get_config(config)).eval()
    x, y, mask = torch.randn(1, 4, side, side), torch.randn(1, 120, m.config.caption_channels), torch.ones(1, 120)
    with torch.inference_mode():
        return median_time(lambda: m(x, torch.tensor([500.0]), y, mask), repeats=repeats)


def run(toy: bool = False, out=None) -> dict:
    D, heads = (64, 4) if toy else (1152, 16)
    sides = (16, 32) if toy else (16, 32, 64, 128)          # 256 … 16,384 tokens (a 2K image)
    repeats = 1 if toy else 3
    rows = []
    for part in ("attention", "block"):
        for side in sides:
            for sr in (1, 2, 4):
                sec, mem = in_fresh_process(_measure, part, side, sr, D, heads, repeats)
                r = {"part": part, "tokens": side * side, "sr": sr, "seconds": sec, "peak_mb": mem / 2**20,
                     "attn_gflop": attention_flops(side * side, D, sr) / 1e9}
                rows.append(r)
                print(table([r], list(r)), flush=True)
    whole = []
    configs = ("tiny",) if toy else ("PixArt-Sigma-XL-2-1024-MS", "PixArt-Sigma-XL-2-1024-MS-KV")
    for config in configs:
        side = 16 if toy else 128                             # latent 128 = a 1024 px image, 4,096 tokens
        sec, mem = in_fresh_process(_model, config, side, 1 if toy else 2)
        whole.append({"model": config, "latent": side, "seconds": sec, "peak_mb": mem / 2**20})
        print(table([whole[-1]], list(whole[-1])), flush=True)
    result = {"width": D, "heads": heads, "rows": rows, "whole_model": whole}
    save("kv_compress", result, out)
    plot(result, (out or OUT) / "kv_compress.png")
    return result


def plot(result: dict, path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (part, key, label) in zip(axes, [("attention", "seconds", "self-attention s"), ("block", "seconds", "block s"),
                                              ("attention", "peak_mb", "self-attention peak MB")]):
        for sr in (1, 2, 4):
            pts = [(r["tokens"], r[key]) for r in result["rows"] if r["part"] == part and r["sr"] == sr]
            ax.loglog(*zip(*pts), "o-", label=f"sr={sr}")
        ax.set(xlabel="image tokens", ylabel=label, title=f"{label} (width {result['width']})"); ax.legend()
    plt.tight_layout(); fig.savefig(path, dpi=80); plt.close(fig)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--toy", action="store_true")
    r = run(ap.parse_args().toy)
    print(table(r["rows"], ["part", "tokens", "sr", "seconds", "peak_mb", "attn_gflop"]))
    print(table(r["whole_model"], ["model", "latent", "seconds", "peak_mb"]))
