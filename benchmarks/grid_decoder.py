"""Can an AutoencoderKL decoder (8×) learn, within minutes of this CPU, to draw 128 px scenes from the what-where grid
at 16×16 cells of 8 px (nbs/10: `grid_code`)? Only the decoder trains (foreground pixels weigh `--fg` times more), from
exact codes; scored by ShapesEval on the 203 held-out scenes decoded from their exact codes: the ceiling a transformer
sampling that latent would have.

python -m benchmarks.grid_decoder [--budget SECONDS] [--coarse 4] [--save DIR] [--init DIR] [--toy]; writes benchmarks/out/grid_decoder.json and .png."""
import argparse, json, math, os, time
from pathlib import Path
import numpy as np, torch
torch.set_num_threads(int(os.environ.get("NT", "2")))
from diffusers import AutoencoderKL
from pixart_nb.shapes import ShapesWorld, Scene, render, grid_code, GRID_CHANNELS
from pixart_nb.shapeseval import evaluate, heldout_prompts

ap = argparse.ArgumentParser()
ap.add_argument("--budget", type=float, default=1200)
ap.add_argument("--items", type=int, default=6000)
ap.add_argument("--bs", type=int, default=16)
ap.add_argument("--lr", type=float, default=2e-3)
ap.add_argument("--ch", default="16,32,64,64")
ap.add_argument("--layers", type=int, default=1)
ap.add_argument("--fg", type=float, default=5.0)
ap.add_argument("--G", type=int, default=16)
ap.add_argument("--coarse", type=int, default=0, help="draw from the coarse grid_code(scene, C), each cell repeated over G/C × G/C latent cells")
ap.add_argument("--evalevery", type=float, default=300)
ap.add_argument("--save", default="")
ap.add_argument("--init", default="", help="continue from a decoder saved by --save (its sizes replace --ch and --layers)")
ap.add_argument("--toy", action="store_true")
ap.add_argument("--out", default="")
args = ap.parse_args()
if args.toy:
    args.budget, args.items, args.bs, args.ch, args.evalevery = 2, 40, 2, "8,8,8,8", 0
print(vars(args), flush=True)
G, CH = args.G, len(GRID_CHANNELS)


def code(scene):
    "The latent the decoder draws from: the what-where grid at G×G cells, or the coarse one repeated up to G×G (`--coarse`)."
    if not args.coarse:
        return grid_code(scene, G)
    if G % args.coarse:
        raise ValueError(f"--coarse {args.coarse} must divide the latent side --G {G}")
    return grid_code(scene, args.coarse).repeat(G // args.coarse, 1).repeat(G // args.coarse, 2)


all_held = heldout_prompts()
held = all_held[::20] if args.toy else all_held
world = ShapesWorld(0, sizes=((128, 128),), exclude={e["prompt"] for e in all_held})
t0 = time.time()
Z, X = [], []
for i in range(args.items):
    s = world.scene(i)[0]
    Z.append(code(s)); X.append(render(s))
Z = torch.from_numpy(np.stack(Z)); X = torch.from_numpy(np.stack(X)).permute(0, 3, 1, 2).float() / 127.5 - 1
print("data", Z.shape, X.shape, f"{time.time() - t0:.0f}s", flush=True)
HZ = torch.from_numpy(np.stack([code(Scene.from_dict(e["scene"])) for e in held]))
ch = tuple(int(c) for c in args.ch.split(","))
torch.manual_seed(0)
if args.init:
    vae = AutoencoderKL.from_pretrained(args.init)
    before = json.loads((Path(args.init) / "steps.json").read_text())["steps"]
else:
    vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * len(ch),
                        up_block_types=("UpDecoderBlock2D",) * len(ch), block_out_channels=ch, layers_per_block=args.layers,
                        latent_channels=CH, norm_num_groups=8, scaling_factor=1.0)
    before = 0
params = list(vae.decoder.parameters()) + list(vae.post_quant_conv.parameters())
print("decoder params", sum(p.numel() for p in params), flush=True)
opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)


def ceiling():
    "ShapesEval of the held-out scenes drawn from their exact codes, and the drawings."
    vae.eval()
    with torch.no_grad():
        imgs = torch.cat([vae.decode(HZ[k:k + 32]).sample for k in range(0, len(HZ), 32)])
    imgs = ((imgs.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    drawn = {e["prompt"]: im for e, im in zip(held, imgs)}
    res = evaluate(lambda prompt, seed: drawn[prompt], held)
    vae.train()
    return {**res["scores"], "right": sum(r["ok"] for r in res["results"])}, imgs


g = torch.Generator().manual_seed(0)
start = time.time(); step = 0; losses = []; nxt = args.evalevery
while time.time() - start < args.budget:
    frac = (time.time() - start) / args.budget
    lr = args.lr * min(1, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * min(frac, 1)))
    for pg in opt.param_groups:
        pg["lr"] = lr
    idx = torch.randint(0, len(Z), (args.bs,), generator=g)
    x, z = X[idx], Z[idx]
    out = vae.decode(z).sample
    bg = x[:, :, :1, :1]
    w = 1 + (args.fg - 1) * ((x - bg).abs().sum(1, keepdim=True) > 0.1).float()
    loss = (w * (out - x) ** 2).mean()
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    step += 1; losses.append(loss.item())
    if step % 100 == 0:
        print(f"step {step} t {time.time() - start:.0f}s loss {np.mean(losses[-100:]):.4f}", flush=True)
    if args.evalevery and time.time() - start > nxt:
        nxt += args.evalevery
        sc, _ = ceiling()
        print("EVAL", step, f"t {time.time() - start:.0f}s", json.dumps({k: round(v, 3) for k, v in sc.items()}), flush=True)
sc, imgs = ceiling()
print("RESULT", json.dumps({**{k: round(v, 3) for k, v in sc.items()}, "steps": step, "steps_in_all": before + step}), flush=True)
from PIL import Image
from benchmarks.common import OUT, machine
out = Path(args.out) if args.out else OUT
out.mkdir(parents=True, exist_ok=True)
rows = [np.concatenate(list(imgs[r * 8:(r + 1) * 8]), 1) for r in range(min(4, len(imgs) // 8))] or [np.concatenate(list(imgs), 1)]
Image.fromarray(np.concatenate(rows, 0)).save(out / "grid_decoder.png")
(out / "grid_decoder.json").write_text(json.dumps({"args": vars(args), "ceiling": sc, "steps": step, "steps_in_all": before + step,
                                                   "machine": machine()}, indent=1))
if args.save:
    vae.save_pretrained(args.save)
    (Path(args.save) / "steps.json").write_text(json.dumps({"steps": before + step}))
