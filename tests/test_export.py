"""The export stage on the bundled model: onnxruntime against PyTorch for the whole pipeline, the TensorRT operator
check, and the TensorRT engines (flagged `gpu`: they skip with the reason where TensorRT or CUDA is missing)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from pixart_nb.export.onnx import check_tensorrt_ops, export_pipeline, onnx_pipeline
from pixart_nb.export.tensorrt import COMPONENTS, engine_pipeline, export_recipe, tensorrt_available
from pixart_nb.pipeline import bundled_model, load_pipeline

PROMPT = "a red circle above a blue square"
TRT_OK, TRT_WHY = tensorrt_available()
gpu = pytest.mark.skipif(not TRT_OK, reason=f"gpu test: {TRT_WHY}")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    "The bundled model's recipe exported to ONNX (fp16 transformer and T5, as deployed) and an fp32 export."
    d = tmp_path_factory.mktemp("export")
    recipe_dir = export_recipe("shapes", "onnx", d / "recipe", log=lambda s: None)
    pipe = load_pipeline(bundled_model())
    export_pipeline(pipe, d / "fp32")
    return pipe, recipe_dir, d / "fp32"


def test_full_pipeline_onnxruntime_matches_pytorch(exported):
    pipe, _, fp32 = exported
    ort = onnx_pipeline(fp32)
    for h, w in [(128, 128), (64, 256)]:                # the export's default profiles: the native square and 1:4, 4:1
        kw = dict(steps=20, seed=3, height=h, width=w, output_type="pt", progress=False)
        a, b = pipe(PROMPT, **kw), ort(PROMPT, **kw)
        diff = (a - b).abs().max().item()
        print(f"{h}×{w}: onnxruntime vs PyTorch image max |Δ| = {diff:.2e}")
        assert diff < 1e-3


def test_recipe_export_is_fp16_and_parses_in_tensorrt(exported):
    pipe, recipe_dir, _ = exported
    manifest = json.loads((recipe_dir / "manifest.json").read_text())
    assert {k: manifest["components"][k]["precision"] for k in COMPONENTS} == \
        {"transformer": "fp16", "text_encoder": "fp16", "vae_decoder": "fp32"}
    for k in COMPONENTS:
        assert check_tensorrt_ops(recipe_dir / manifest["components"][k]["file"])
    ort = onnx_pipeline(recipe_dir)
    kw = dict(steps=20, seed=3, output_type="pt", progress=False)
    diff = (pipe(PROMPT, **kw) - ort(PROMPT, **kw)).abs().max().item()
    print(f"fp16 transformer and T5 (onnxruntime) vs PyTorch fp32: image max |Δ| = {diff:.2e}")
    assert diff < 0.1
    assert manifest["profiles"]["transformer"]["latent"][0][2:] == [4, 4]            # 128 px at 32 px a latent cell, alone


def test_generate_cli_with_onnxruntime(exported, tmp_path):
    _, recipe_dir, _ = exported
    exe = Path(sys.executable).parent / "pixart-nb"
    r = subprocess.run([str(exe), "generate", PROMPT, "--backend", "onnxruntime", "--engine-dir", str(recipe_dir),
                        "--seed", "1", "-o", str(tmp_path / "o.png")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o.png").is_file() and "onnxruntime" in r.stdout


def test_profile_and_stale_export_errors(exported, tmp_path):
    _, recipe_dir, _ = exported
    ort = onnx_pipeline(recipe_dir)
    with pytest.raises(ValueError, match="outside the exported profile"):
        ort(PROMPT, height=256, width=256, use_resolution_binning=False, steps=1, progress=False)
    other = load_pipeline(bundled_model()).transformer
    with torch.no_grad():
        other.final_layer.linear.bias += 1e-3
    with pytest.raises(ValueError, match="exported from other weights"):
        engine_pipeline(recipe_dir, "onnxruntime", model=other)


@pytest.mark.skipif(TRT_OK, reason="TensorRT is installed here")
def test_missing_tensorrt_names_the_fix(tmp_path):
    with pytest.raises(ImportError, match="pip install 'pixart_nb\\[trt\\]'"):
        export_recipe("shapes", "tensorrt", tmp_path / "trt")


@gpu
def test_tensorrt_pipeline_matches_pytorch(tmp_path):
    folder = export_recipe("shapes", "tensorrt", tmp_path / "trt")
    for k in COMPONENTS:
        rec = json.loads((folder / f"{k}.json").read_text())
        assert {"tensorrt", "gpu", "compute_capability", "profile", "precision", "onnx_sha256"} <= set(rec)
    ref = load_pipeline(bundled_model(), device="cuda")
    kw = dict(steps=20, seed=3, output_type="pt", progress=False)
    a = ref(PROMPT, **kw).cpu()
    for graphs in (False, True):
        b = engine_pipeline(folder, "tensorrt", cuda_graph=graphs)(PROMPT, **kw).cpu()
        diff = (a - b).abs().max().item()
        print(f"TensorRT (cuda_graph={graphs}) vs PyTorch fp32: image max |Δ| = {diff:.2e}")
        assert diff < 0.1


@gpu
def test_tensorrt_refuses_a_stale_engine(tmp_path):
    folder = export_recipe("shapes", "tensorrt", tmp_path / "trt")
    rec_file = folder / "transformer.json"
    rec = json.loads(rec_file.read_text())
    rec_file.write_text(json.dumps({**rec, "tensorrt": "9.0.0"}))
    with pytest.raises(ValueError, match="built by TensorRT 9.0.0"):
        engine_pipeline(folder, "tensorrt")
    rec_file.write_text(json.dumps(rec))
    (folder / "transformer.onnx").write_bytes((folder / "transformer.onnx").read_bytes() + b" ")
    with pytest.raises(ValueError, match="re-exported since"):
        engine_pipeline(folder, "tensorrt")
