"""Parity of the full PixArt-Σ XL/2 with diffusers' PixArtTransformer2DModel on the same random weights.

Every tensor is randomised (also those the original initialises to zero, so no path is trivially zero); batch 2,
latents 32×32 and 24×40, 300 caption tokens with two different masks, timesteps 999 and 1, float32.
"""
import pytest
import torch

from pixart_nb.checkpoints import diffusers_twin, parity
from pixart_nb.transformer import PixArtSigma, count_params, get_config, randomize_


@pytest.fixture(scope="module")
def xl_pair():
    torch.manual_seed(0)
    model = randomize_(PixArtSigma(get_config("PixArt-Sigma-XL-2-1024-MS")), seed=0).eval()
    assert count_params(model) == 610_856_096
    return model, diffusers_twin(model)


@pytest.mark.parametrize("hw", [(32, 32), (24, 40)])
def test_xl_parity(xl_pair, hw):
    model, twin = xl_pair
    err, scale = parity(model, twin, hw, text_len=300, batch=2)
    print(f"\nXL/2 1024-MS, latent {hw}, 300 tokens: max|Δ| = {err:.3e}, max|out| = {scale:.3f}, relative {err / scale:.3e}")
    assert err / scale <= 1e-4


@pytest.mark.parametrize("hw", [(32, 32), (24, 40), (48, 16)])
def test_small_parity(hw):
    model = randomize_(PixArtSigma("small"), seed=1).eval()
    err, scale = parity(model, diffusers_twin(model), hw, text_len=64)
    print(f"\nsmall, latent {hw}: max|Δ| = {err:.3e}, max|out| = {scale:.3f}, relative {err / scale:.3e}")
    assert err / scale <= 1e-5
