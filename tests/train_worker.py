"""Run a training recipe from the command line, for the multi-process and kill/resume tests.

usage: python tests/train_worker.py OUT ENCODERS [--resume] [--steps N] [--batch B] [--world N]
(launch under torchrun for several processes)"""
import argparse

from pixart_nb.training import recipe, train

p = argparse.ArgumentParser()
p.add_argument("out"); p.add_argument("encoders")
p.add_argument("--resume", action="store_true")
p.add_argument("--steps", type=int, default=6)
p.add_argument("--batch", type=int, default=4)
p.add_argument("--world", type=int, default=48)
p.add_argument("--checkpoint-every", type=int, default=2)
a = p.parse_args()
cfg = recipe("test", encoders=a.encoders, steps=a.steps, batch_size=a.batch, world_items=a.world,
             checkpoint_every=a.checkpoint_every, keep_checkpoints=100)
train(cfg, a.out, resume=a.resume, progress=False)
