"""Transformer forward: pixart_nb against diffusers' PixArtTransformer2DModel on the same weights, CPU.

python -m benchmarks.transformer [--toy]
Median time of both stacks alternating in one fresh process, ratio (ours / diffusers), peak resident memory of one
forward of each stack in its own fresh process (weights + forward), model FLOPs per forward and the achieved fraction
of this CPU's measured float32 matmul throughput.
"""
from __future__ import annotations

import argparse
import statistics

import torch

from benchmarks.common import in_fresh_process, matmul_peak_gflops, median_time, reset_peak_memory, save, table


def _inputs(cfg, px: int, batch: int, text_len: int, dt):
    h = px // 8
    x, y = torch.randn(batch, 4, h, h, dtype=dt), torch.randn(batch, text_len, cfg.caption_channels, dtype=dt)
    mask = torch.ones(batch, text_len); mask[:, text_len // 2:] = 0
    return x, torch.tensor([500.0] * batch), y, mask


def _forwards(config: str, px: int, batch: int, text_len: int, dtype: str, which=("pixart_nb", "diffusers")) -> dict:
    "One forward function per stack in `which`; with both, the diffusers model carries our random weights."
    from diffusers import PixArtTransformer2DModel
    from pixart_nb.checkpoints import config_to_diffusers, diffusers_twin
    from pixart_nb.transformer import PixArtSigma, get_config, randomize_
    torch.manual_seed(0)
    dt = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    cfg = get_config(config)
    ours = randomize_(PixArtSigma(cfg), seed=0, scale=0.5).eval() if "pixart_nb" in which else None
    x, t, y, mask = _inputs(cfg, px, batch, text_len, dt)
    fns = {}
    if "diffusers" in which:       # alone (for its memory) it is built from the config: no copy of ours stays resident
        theirs = diffusers_twin(ours) if ours is not None else PixArtTransformer2DModel(**config_to_diffusers(cfg)).eval()
        theirs = theirs.to(dt)
        fns["diffusers"] = lambda: theirs(x, encoder_hidden_states=y, timestep=t, encoder_attention_mask=mask).sample
    if ours is not None:
        ours = ours.to(dt)
        fns["pixart_nb"] = lambda: ours(x, t, y, mask)
    return fns


def _times(config: str, px: int, batch: int, text_len: int, dtype: str, repeats: int) -> dict:
    "Median seconds per stack, the two stacks alternating (A B, B A, ...) in one process so that drift hits both alike."
    fns = _forwards(config, px, batch, text_len, dtype)
    times = {k: [] for k in fns}
    with torch.inference_mode():
        for f in fns.values():
            f()                                                  # warm-up
        for i in range(repeats):
            for k in (list(fns) if i % 2 == 0 else list(fns)[::-1]):       # A B, B A, ...: order effects cancel
                times[k].append(median_time(fns[k], repeats=1, warmup=0))
    return {k: statistics.median(v) for k, v in times.items()}


def _peak(which: str, config: str, px: int, batch: int, text_len: int, dtype: str) -> None:
    "One forward of one stack; the caller reads this process's peak memory from just before it."
    f = _forwards(config, px, batch, text_len, dtype, which=(which,))[which]
    reset_peak_memory()          # building does not count
    with torch.inference_mode():
        f()


def run(toy: bool = False, out=None) -> dict:
    from pixart_nb.transformer import forward_flops, get_config
    config = "tiny" if toy else "PixArt-Sigma-XL-2-1024-MS"
    sizes = (64, 128) if toy else (256, 512)
    batch, text_len, repeats = 2, 120, (2 if toy else 6)
    peak = matmul_peak_gflops(512 if toy else 2048)
    rows = []
    for px in sizes:
        for dtype in ("fp32",) if toy or px > 256 else ("fp32", "bf16"):       # bf16 at the small size: does it help here?
            r = {"model": config, "px": px, "dtype": dtype, "batch": batch}
            times, _ = in_fresh_process(_times, config, px, batch, text_len, dtype, repeats)
            for which in ("pixart_nb", "diffusers"):
                r[f"{which}_s"] = times[which]
                r[f"{which}_peak_mb"] = in_fresh_process(_peak, which, config, px, batch, text_len, dtype)[1] / 2**20
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
