"""Transformer forward: pixart_nb against diffusers' PixArtTransformer2DModel on the same weights, CPU.

python -m benchmarks.transformer [--toy]
Median time, ratio (ours / diffusers), peak resident memory (weights + forward, each in a fresh process), model FLOPs per
forward and the achieved fraction of this CPU's measured float32 matmul throughput.
"""
from __future__ import annotations

import argparse

import torch

from benchmarks.common import in_fresh_process, matmul_peak_gflops, median_time, reset_peak_memory, save, table


def _measure(which: str, config: str, px: int, batch: int, text_len: int, dtype: str, repeats: int) -> float:
    from pixart_nb.checkpoints import diffusers_twin
    from pixart_nb.transformer import PixArtSigma, get_config, randomize_
    torch.manual_seed(0)
    model = randomize_(PixArtSigma(get_config(config)), seed=0, scale=0.5).eval()
    net = model if which == "pixart_nb" else diffusers_twin(model)
    del model
    dt = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    net = net.to(dt)
    h = px // 8
    x, y = torch.randn(batch, 4, h, h, dtype=dt), torch.randn(batch, text_len, net.config.caption_channels, dtype=dt)
    reset_peak_memory()         # the diffusers side built our model first: count only its own weights and the forward
    mask = torch.ones(batch, text_len); mask[:, text_len // 2:] = 0
    t = torch.tensor([500.0] * batch)
    if which == "pixart_nb":
        fn = lambda: net(x, t, y, mask)
    else:
        fn = lambda: net(x, encoder_hidden_states=y, timestep=t, encoder_attention_mask=mask).sample
    with torch.inference_mode():
        return median_time(fn, repeats=repeats)


def run(toy: bool = False, out=None) -> dict:
    from pixart_nb.transformer import forward_flops, get_config
    config = "tiny" if toy else "PixArt-Sigma-XL-2-1024-MS"
    sizes = (64, 128) if toy else (256, 512)
    batch, text_len, repeats = 2, 120, (2 if toy else 3)
    peak = matmul_peak_gflops(512 if toy else 2048)
    rows = []
    for px in sizes:
        for dtype in ("fp32",) if toy or px > 256 else ("fp32", "bf16"):       # bf16 at the small size: does it help here?
            r = {"model": config, "px": px, "dtype": dtype, "batch": batch}
            for which in ("pixart_nb", "diffusers"):
                sec, mem = in_fresh_process(_measure, which, config, px, batch, text_len, dtype, repeats)
                r[f"{which}_s"], r[f"{which}_peak_mb"] = sec, mem / 2**20
            r["ratio"] = r["pixart_nb_s"] / r["diffusers_s"]
            flops = forward_flops(get_config(config), px // 8, px // 8, text_len, batch)
            r["gflop"] = flops / 1e9
            r["pct_of_matmul_peak"] = 100 * flops / r["pixart_nb_s"] / 1e9 / peak
            rows.append(r)
            print(table([r], list(r)), flush=True)
    result = {"matmul_peak_gflops": peak, "rows": rows}
    save("transformer", result, out)
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--toy", action="store_true", help="tiny model, small sizes: checks the script, measures nothing useful")
    args = ap.parse_args()
    r = run(args.toy)
    print(f"matmul peak {r['matmul_peak_gflops']:.1f} GFLOP/s")
    print(table(r["rows"], ["model", "px", "dtype", "pixart_nb_s", "diffusers_s", "ratio", "pixart_nb_peak_mb",
                            "diffusers_peak_mb", "gflop", "pct_of_matmul_peak"]))
