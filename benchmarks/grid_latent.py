"""The transformer alone on the what-where grid (nbs/10: `grid_code`, `grid_scene`) as its latent: no VAE to draw, so the
score says what the caption path learns. 4×4 cells of 32 px for 128 px scenes, patch 1 (16 tokens), clean-latent
prediction, an untrained T5 (the shipped tokenizer; `--t5 local`: the untrained T5 whose heads read fixed neighbours, nbs/13
`local_t5_encoder`, output gain `--gain`; `--t5 shipped`: the shipped masked-token T5, `--t5 joint`: the untrained T5
trained with the transformer; `--selfcond`: the transformer also reads its last clean-grid prediction; `--order`: three more channels say which of the
caption's objects each cell holds; `--decoder DIR`: the samples are also drawn by that grid decoder, the 4×4 grid
through nbs/13's `GridVAE`), trained against the clock; scored on the 203 held-out ShapesEval prompts (DPM-Solver++ 20 steps, guidance 4.5) with each sampled
grid read back and rendered exactly.

python -m benchmarks.grid_latent [--budget SECONDS] [--pscale A] [--t5 random|local|shipped|joint] [--gain G] [--selfcond] [--gss 1,2,3] [--decoder DIR] [--G 16 --patch 4 [--coarse 4]] [--tlogit M,S] [--long F] [--mix CAT=W,...] [--order] [--save FILE | --load FILE] [--probe] [--toy]; writes benchmarks/out/grid_latent.json and .png (seed 0's first 32 held-out prompts)."""
import argparse, copy, json, math, os, time
from pathlib import Path
import numpy as np, torch
torch.set_num_threads(int(os.environ.get("NT", "2")))
from pixart_nb.shapes import CATEGORIES, GRID_CHANNELS, Scene, ShapesWorld, grid_code, grid_scene, mention_code, render
from pixart_nb.shapeseval import heldout_prompts, judge
from pixart_nb.transformer import PixArtSigma, PixArtConfig
from pixart_nb.schedule import Diffusion
from pixart_nb.samplers import sample, CFGDenoiser
from pixart_nb.text import tiny_t5_encoder
from pixart_nb.tiny import SHAPES_T5, GridVAE, local_t5_encoder
from pixart_nb.training import averaged, ema_update, load_encoders

ap = argparse.ArgumentParser()
ap.add_argument("--budget", type=float, default=1200)
ap.add_argument("--G", type=int, default=4)
ap.add_argument("--items", type=int, default=20000)
ap.add_argument("--bs", type=int, default=64)
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--depth", type=int, default=8)
ap.add_argument("--width", type=int, default=192)
ap.add_argument("--heads", type=int, default=3)
ap.add_argument("--ema", type=float, default=0.999)
ap.add_argument("--evalevery", type=float, default=0)
ap.add_argument("--save", default="")
ap.add_argument("--patch", type=int, default=1)
ap.add_argument("--coarse", type=int, default=0, help="the latent is grid_code(scene, C) repeated up to G×G (as grid_decoder --coarse draws it)")
ap.add_argument("--pscale", type=float, default=2.0)
ap.add_argument("--toy", action="store_true")
ap.add_argument("--t5", default="random", choices=["random", "local", "shipped", "joint"])
ap.add_argument("--selfcond", action="store_true")
ap.add_argument("--gain", type=float, default=8.0)
ap.add_argument("--gss", default="", help="also score the final model (seed 0) at these guidance scales, e.g. 1,2,3")
ap.add_argument("--decoder", default="", help="also score the samples drawn by this grid decoder (benchmarks/grid_decoder.py --save)")
ap.add_argument("--tlogit", default="", help="draw training steps t = 1000·sigmoid(m + s·N(0, 1)) instead of uniformly: 'm,s'")
ap.add_argument("--load", default="", help="no training: sample the weights saved by --save")
ap.add_argument("--probe", action="store_true", help="also score 203 training captions, DPM-Solver++ 100 steps and IDDPM 100 steps")
ap.add_argument("--long", type=float, default=0.5, help="the share of training captions that are long")
ap.add_argument("--mix", default="", help="draw training scenes by category with these weights, e.g. 'position=2,color_attr=2' (others 1)")
ap.add_argument("--order", action="store_true", help="three more channels say which object of the caption a cell holds (1st, 2nd, 3rd mentioned; ±A of --pscale, so decided with presence); read back ignores them")
ap.add_argument("--out", default="")
args = ap.parse_args()
if args.toy:
    args.budget, args.items, args.bs, args.depth, args.width, args.heads = 3, 200, 8, 1, 64, 2
print(vars(args), flush=True)

G = args.G
CH = len(GRID_CHANNELS)
if args.coarse:                 # the coarse grid, each cell repeated over r×r latent cells; read back by block means
    if G % args.coarse:
        raise ValueError(f"--coarse {args.coarse} must divide the latent side --G {G}")
    r = G // args.coarse
    encode = lambda sc: grid_code(sc, args.coarse, args.pscale).repeat(r, 1).repeat(r, 2)
    decode = lambda z: grid_scene(z.reshape(CH, args.coarse, r, args.coarse, r).mean((2, 4)))
else:
    encode = lambda sc: grid_code(sc, G, args.pscale)
    decode = grid_scene
if args.order:                  # mention channels: the k-th object of the caption (counting: left to right) marks its cell
    if args.coarse:
        raise ValueError("--order works on the plain grid (no --coarse)")
    def encode(sc, plain=encode):
        objs = sorted(sc.objects, key=lambda o: o.x) if sc.category == "counting" else sc.objects
        return np.concatenate([plain(sc), mention_code([(o.x, o.y) for o in objs], G, args.pscale)])
    decode = lambda z, plain=decode: plain(z[:CH])
draw = None
if args.decoder:                # the decoder draws a 16×16 latent as it is, and the 4×4 grid as the grid VAE (nbs/13) does
    from diffusers import AutoencoderKL
    dec = AutoencoderKL.from_pretrained(args.decoder).eval()
    if args.coarse or G == 16:
        draw = lambda z: dec.decode(z).sample
    elif G == 4:
        draw = GridVAE(dec, cells=G, presence=args.pscale, mentions=3 if args.order else 0).decode
    else:
        raise ValueError(f"--decoder draws the 16×16 latent or the 4×4 grid; got --G {G}")


all_held = heldout_prompts()
held = all_held[::20] if args.toy else all_held
ceiling = np.mean([judge(render(decode(encode(Scene.from_dict(e["scene"])))), e["prompt"]) for e in held])
print("ceiling", ceiling, flush=True)

# data: 128 px scenes of the training world
t0 = time.time()
world = ShapesWorld(0, sizes=((128, 128),), exclude={e["prompt"] for e in all_held})
Z, SHORT, LONG, CAT = [], [], [], []
for i in range(args.items):
    s, _, _, short, long = world.scene(i)
    Z.append(encode(s)); SHORT.append(short); LONG.append(long); CAT.append(s.category)
Z = torch.from_numpy(np.stack(Z))
CZ = Z.shape[1]                 # the latent's channels
if args.mix:                                # category weights for drawing training scenes (each item's share ∝ its category's weight)
    cw = {c: 1.0 for c in CATEGORIES}
    for kv in args.mix.split(","):
        if kv.count("=") != 1:
            raise ValueError(f"--mix entry {kv!r} is not CATEGORY=WEIGHT")
        c, w = kv.split("=")
        if c not in cw:
            raise ValueError(f"--mix names category {c!r}; the categories are {', '.join(CATEGORIES)}")
        cw[c] = float(w)
    draw_w = torch.tensor([cw[c] for c in CAT])
print("data", Z.shape, f"{time.time() - t0:.1f}s", flush=True)

te, _ = load_encoders("", 160)
if args.t5 in ("random", "joint"):
    te.encoder = tiny_t5_encoder(te.encoder.config.vocab_size, seed=0, **SHAPES_T5)   # untrained
elif args.t5 == "local":
    te.encoder = local_t5_encoder(te.encoder.config.vocab_size, gain=args.gain)   # untrained, heads on fixed neighbours
te.cache.clear()
caps = sorted(set(SHORT) | set(LONG) | {e["prompt"] for e in held} | {""})
cap_id = {c: k for k, c in enumerate(caps)}
feats, masks = [], []
with torch.no_grad():
    for k in range(0, len(caps), 256):
        ids, m = te.tokenize(caps[k:k + 256])
        L = int(m.sum(1).max())
        f = te.encoder(ids[:, :L], attention_mask=m[:, :L]).last_hidden_state
        F_ = torch.zeros(len(f), 64, f.shape[-1]); M_ = torch.zeros(len(f), 64)
        F_[:, :L] = f; M_[:, :L] = m[:, :L].float()
        feats.append(F_); masks.append(M_)
FE, MA = torch.cat(feats), torch.cat(masks)
IDS = torch.zeros(len(caps), 64, dtype=torch.long)
for k in range(0, len(caps), 256):
    ids, m = te.tokenize(caps[k:k + 256]); L = int(m.sum(1).max()); IDS[k:k + len(ids), :L] = ids[:, :L]
JOINT = args.t5 == "joint"
t5 = te.encoder.train().requires_grad_(True) if JOINT else None


def text(cid, enc):
    "Features (N, 64, C) and mask (N, 64) of captions `cid`: cached, or from the T5 `enc` being trained."
    if enc is None:
        return FE[cid], MA[cid]
    mk = MA[cid]; L = int(mk.sum(1).max())
    f = enc(IDS[cid, :L], attention_mask=mk[:, :L]).last_hidden_state
    return torch.nn.functional.pad(f, (0, 0, 0, 64 - L)), mk


assert int(MA.sum(1).max()) <= 64
print("text", FE.shape, f"{time.time() - t0:.1f}s", flush=True)
sid = torch.tensor([cap_id[c] for c in SHORT]); lid = torch.tensor([cap_id[c] for c in LONG])
null = cap_id[""]

cfg = PixArtConfig(sample_size=G, pe_interpolation=0.25, patch_size=args.patch, in_channels=2 * CZ if args.selfcond else CZ, out_channels=CZ,
                   hidden_size=args.width, depth=args.depth, num_heads=args.heads, caption_channels=128, model_max_length=64,
                   class_dropout_prob=0.0)
torch.manual_seed(0)
model = PixArtSigma(cfg)
model.y_embedder.y_embedding.copy_(FE[null])
print("params", sum(p.numel() for p in model.parameters()), flush=True)
diff = Diffusion.linear()
ab = diff.alphas_cumprod.float()
opt = torch.optim.AdamW(list(model.parameters()) + (list(t5.parameters()) if JOINT else []), lr=args.lr, weight_decay=0.03)
ema5 = {k: v.detach().float().clone() for k, v in t5.named_parameters()} if JOINT else None
ema = {k: v.detach().float().clone() for k, v in model.named_parameters()}


def eps_model(m):
    "`m` as the ε-predictor the samplers call (it predicts the clean grid; self-conditioned on its last prediction with `--selfcond`)."
    prev = {}
    def f(x, t, y, mask):
        if args.selfcond:
            x0 = prev.get("x0")
            x0 = torch.zeros_like(x) if x0 is None or x0.shape != x.shape else x0
            out = m(torch.cat([x, x0], 1), t, y, mask)
            prev["x0"] = out
        else:
            out = m(x, t, y, mask)
        a = ab[t.long()].view(-1, 1, 1, 1)
        return (x - a.sqrt() * out) / (1 - a).sqrt()          # ε from the predicted clean latent
    return f


def avg5():
    "The jointly trained T5 with its EMA weights (None when the T5 is frozen)."
    if not JOINT:
        return None
    e = copy.deepcopy(t5).eval()
    e.load_state_dict({**e.state_dict(), **ema5})
    return e


pics = []          # the last evaluation's pictures (drawn by the decoder if there is one, else rendered exactly)


def evaluate(m, seeds=(0,), prompts=held, diag=None, enc=None, gs=4.5, steps=20, sampler="dpm-solver"):
    m.eval()
    ids = torch.tensor([cap_id[e["prompt"]] for e in prompts])
    with torch.no_grad():
        y, mk = text(ids, enc)
        L = int(mk.sum(1).max())
        y, mk = y[:, :L], mk[:, :L]
        yn, mn = text(torch.tensor([null]), enc)
        yn, mn = yn[:, :L].expand_as(y), mn[:, :L].expand_as(mk)
        res, drawn = [], []
        for seed in seeds:
            g = torch.Generator().manual_seed(seed)
            noise = torch.randn(len(prompts), CZ, G, G, generator=g)
            den = CFGDenoiser(eps_model(m), y, mk, yn, mn, guidance_scale=gs)
            z = sample(den, noise, steps, sampler, generator=g)
            if draw is not None:            # the samples drawn by the grid decoder
                im = torch.cat([draw(z[k:k + 32]) for k in range(0, len(z), 32)])
                im = ((im.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
                drawn += [(e["category"], judge(x, e["prompt"])) for e, x in zip(prompts, im)]
            pics.clear()
            for e, zz in zip(prompts, z.numpy()):
                sc_ = decode(zz); pic = render(sc_); ok = judge(pic, e["prompt"])
                res.append((e["category"], ok))
                pics.append(im[len(pics)] if draw is not None else pic)
                if not ok and diag is not None:
                    want = Scene.from_dict(e["scene"])
                    nw, nf = len(want.objects), len(sc_.objects)
                    if nf != nw:
                        kind = f"count {nw}->{nf}"
                    elif sorted(o.shape for o in sc_.objects) != sorted(o.shape for o in want.objects):
                        kind = "shape"
                    else:
                        kind = "other"
                    diag.setdefault(e["category"], {}).setdefault(kind, 0)
                    diag[e["category"]][kind] += 1
    m.train()
    sc = marks(res)
    if drawn:
        sc["via_decoder"] = marks(drawn)
    return sc


def marks(res):
    "ShapesEval's marks of (category, ok) pairs: each category, their mean, and the number right."
    per = {}
    for c, ok in res:
        per.setdefault(c, []).append(ok)
    sc = {c: float(np.mean(v)) for c, v in per.items()}
    sc["overall"] = float(np.mean(list(sc.values())))
    sc["right"] = int(sum(ok for _, ok in res))
    return sc


def rounded(sc):
    "Marks rounded for printing."
    return {k: rounded(v) if isinstance(v, dict) else round(v, 3) for k, v in sc.items()}


if args.load:
    saved = torch.load(args.load, weights_only=True)
    model.load_state_dict(saved["model"]); ema = {k: v.detach().float().clone() for k, v in model.named_parameters()}
    if JOINT:                               # the T5 trained with it (saved with its EMA weights)
        t5.load_state_dict(saved["t5"]); ema5 = {k: v.detach().float().clone() for k, v in t5.named_parameters()}
    args.budget = 0
g = torch.Generator().manual_seed(0)
start = time.time(); step = 0; next_eval = args.evalevery; losses = []
warm = 100
while time.time() - start < args.budget:
    frac = (time.time() - start) / args.budget
    lr = args.lr * min(1, (step + 1) / warm) * (0.5 * (1 + math.cos(math.pi * min(frac, 1))))
    for pg in opt.param_groups:
        pg["lr"] = lr
    idx = torch.multinomial(draw_w, args.bs, replacement=True, generator=g) if args.mix else torch.randint(0, len(Z), (args.bs,), generator=g)
    x0 = Z[idx]
    if args.tlogit:                         # logit-normal steps: most training where the grid's cells are decided
        m_, s_ = (float(v) for v in args.tlogit.split(","))
        t = (1000 * torch.sigmoid(m_ + s_ * torch.randn(args.bs, generator=g))).long().clamp(0, 999)
    else:
        t = torch.randint(0, 1000, (args.bs,), generator=g)
    noise = torch.randn(x0.shape, generator=g)
    a = ab[t].view(-1, 1, 1, 1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
    use_long = torch.rand(args.bs, generator=g) < args.long
    cid = torch.where(use_long, lid[idx], sid[idx])
    drop = torch.rand(args.bs, generator=g) < 0.1
    cid = torch.where(drop, torch.full_like(cid, null), cid)
    y, mk = text(cid, t5)
    L = int(mk.sum(1).max())
    if args.selfcond:                       # half the batch sees its own first guess (no gradient through it)
        x0g = torch.zeros_like(xt)
        use = torch.rand(args.bs, generator=g) < 0.5
        if use.any():
            with torch.no_grad():
                x0g[use] = model(torch.cat([xt[use], x0g[use]], 1), t[use], y[use, :L], mk[use, :L])
        xt_in = torch.cat([xt, x0g], 1)
    else:
        xt_in = xt
    out = model(xt_in, t, y[:, :L], mk[:, :L])
    loss = ((out - x0) ** 2).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)   # the transformer's (a joint T5's gradients go unclipped)
    opt.step()
    ema_update(ema, model, min(args.ema, (1 + step) / (10 + step)))
    if JOINT:
        ema_update(ema5, t5, min(args.ema, (1 + step) / (10 + step)))
    step += 1
    losses.append(loss.item())
    if step % 200 == 0:
        print(f"step {step} t {time.time() - start:.0f}s loss {np.mean(losses[-200:]):.4f} lr {lr:.2e}", flush=True)
    if args.evalevery and time.time() - start > next_eval:
        next_eval += args.evalevery
        sc = evaluate(averaged(model, ema), prompts=held[::2], enc=avg5())
        print(f"EVAL step {step} t {time.time() - start:.0f}s", json.dumps(rounded(sc)), flush=True)
train_s = time.time() - start
print(f"trained {step} steps in {train_s:.0f}s", flush=True)
model = averaged(model, ema)
E5 = avg5()
dg = {}
sc = evaluate(model, diag=dg, enc=E5)
print("DIAG", json.dumps(dg))
print("RESULT", json.dumps({**rounded(sc), "steps": step, "train_s": round(train_s)}), flush=True)
first = np.concatenate([np.concatenate(pics[r * 8:(r + 1) * 8], 1) for r in range(min(4, len(pics) // 8))] or [np.concatenate(pics, 1)])
sc1 = evaluate(model, seeds=(1,), enc=E5)
print("RESULT seed1", json.dumps(rounded(sc1)), flush=True)
by_gs = {}
for gs in [float(v) for v in args.gss.split(",") if v]:
    by_gs[gs] = evaluate(model, enc=E5, gs=gs)
    print(f"RESULT guidance {gs}", json.dumps(rounded(by_gs[gs])), flush=True)
probes = {}
if args.probe:
    seen, train_prompts = set(), []
    for c, s_ in zip(SHORT, (world.scene(i)[0] for i in range(len(SHORT)))):
        if c not in seen and len(train_prompts) < len(held):
            seen.add(c); train_prompts.append({"prompt": c, "category": s_.category})
    for name, kw in [("training_captions", dict(prompts=train_prompts)), ("dpm_solver_100", dict(steps=100)),
                     ("iddpm_100", dict(steps=100, sampler="iddpm"))]:
        probes[name] = evaluate(model, enc=E5, **kw)
        print(f"RESULT {name}", json.dumps(rounded(probes[name])), flush=True)
from benchmarks.common import OUT, machine
out = Path(args.out) if args.out else OUT
out.mkdir(parents=True, exist_ok=True)
from PIL import Image
Image.fromarray(first).save(out / "grid_latent.png")    # seed 0, the first 32 held-out prompts
(out / "grid_latent.json").write_text(json.dumps({"args": vars(args), "ceiling": float(ceiling), "seed0": sc, "seed1": sc1,
                                                  "diagnosis_seed0": dg, "seed0_by_guidance": by_gs, "probes": probes, "steps": step, "train_s": round(train_s),
                                                  "machine": machine()}, indent=1))
if args.save:
    torch.save({"model": model.state_dict(), "t5": E5.state_dict() if JOINT else None, "args": vars(args)}, args.save)
