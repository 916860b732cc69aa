#!/usr/bin/python3
"""A data-augmentation GAN (DAGAN: Antoniou, Storkey, Edwards 2017) as a file-level probe on a long-tailed folder.

The question: can the plentiful classes teach how an item varies (cut, shade, print, width) so that a scarce
class gets looks its 50 images do not have? The generator takes one real image x and noise z and draws another
image of x's class; the discriminator sees pairs (x, x') and learns that a real pair is two *different* real
images of one class, so a copy of x is a fake. Trained on pairs of the plentiful classes only (`--pairs
plentiful`, the transfer the paper uses for few-shot classes) or of every class (`--pairs all`), then applied to
each scarce class's real images. Written out as gan-augment delivers a fill: the best `--share` of the deficit
of 2 × the deficit candidates by the pair discriminator's score, the rest of the fill the class's real images listed again (hard labels).

  /usr/bin/python3 bench/dagan-probe.py --run <run out folder> --train <train folder> --out <folder> [--steps 4000] [--pairs plentiful|all] [--seed 0]
  node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5 --tune-seeds 0

The real entries and summary.json come from the run (its manifest lists the same training folder). CPU, PyTorch
(Debian's python3-torch); not part of `npm test`; the figures are in docs/measurements.md.
"""
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from probe_manifest import oversampled, probe_parser, real_entries, save_synthetic, write_manifest  # noqa: E402

p = probe_parser(__doc__)
p.add_argument('--steps', type=int, default=4000)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--pairs', choices=['plentiful', 'all'], default='plentiful')
p.add_argument('--share', type=float, default=0.5)
p.add_argument('--zdim', type=int, default=32)
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
np.random.seed(args.seed)
random.seed(args.seed)

labels = sorted(d for d in os.listdir(args.train) if os.path.isdir(os.path.join(args.train, d)))
images, files = {}, {}
for c in labels:
    names = sorted(os.listdir(os.path.join(args.train, c)))
    files[c] = names
    images[c] = torch.tensor(np.stack([np.asarray(Image.open(os.path.join(args.train, c, n)).convert('L'), dtype=np.float32) for n in names]) / 127.5 - 1).unsqueeze(1)
most = max(len(v) for v in images.values())
scarce = [c for c in labels if len(images[c]) < most]
plentiful = [c for c in labels if c not in scarce]
pair_classes = plentiful if args.pairs == 'plentiful' else labels
S = images[labels[0]].shape[-1]
print(f'{len(labels)} classes, scarce {scarce}; pairs from {pair_classes}; {S}x{S}')


def pairs(n):
    """n pairs (x, x') of two different real images of one class, the class drawn uniformly."""
    xs, ys = [], []
    for _ in range(n):
        t = images[random.choice(pair_classes)]
        i, j = random.sample(range(len(t)), 2)
        xs.append(t[i])
        ys.append(t[j])
    return torch.stack(xs), torch.stack(ys)


class G(nn.Module):
    """U-Net encoder-decoder; z enters at 7x7 and 14x14, so the draw is not the input with a small change. The skips'
    dropout stays on when generating too: DAGAN's second source of noise."""

    def __init__(self, z):
        super().__init__()
        self.e1 = nn.Conv2d(1, 16, 3, 1, 1)
        self.e2 = nn.Conv2d(16, 32, 4, 2, 1)
        self.e3 = nn.Conv2d(32, 64, 4, 2, 1)
        self.z7 = nn.Linear(z, 16 * 7 * 7)
        self.z14 = nn.Linear(z, 8 * 14 * 14)
        self.d3 = nn.Conv2d(64 + 16, 64, 3, 1, 1)
        self.d2 = nn.Conv2d(64 + 32 + 8, 32, 3, 1, 1)
        self.d1 = nn.Conv2d(32 + 16, 16, 3, 1, 1)
        self.o = nn.Conv2d(16, 1, 3, 1, 1)
        self.b2, self.b3, self.bd3, self.bd2, self.bd1 = (nn.BatchNorm2d(n) for n in (32, 64, 64, 32, 16))

    def forward(self, x, z):
        a1 = F.leaky_relu(self.e1(x), 0.2)
        a2 = F.leaky_relu(self.b2(self.e2(a1)), 0.2)
        a3 = F.leaky_relu(self.b3(self.e3(a2)), 0.2)
        h = F.relu(self.bd3(self.d3(torch.cat([a3, self.z7(z).view(-1, 16, 7, 7)], 1))))
        h = F.interpolate(h, scale_factor=2)
        h = F.relu(self.bd2(self.d2(torch.cat([h, F.dropout(a2, 0.5, True), self.z14(z).view(-1, 8, 14, 14)], 1))))
        h = F.interpolate(h, scale_factor=2)
        h = F.relu(self.bd1(self.d1(torch.cat([h, F.dropout(a1, 0.5, True)], 1))))
        return torch.tanh(self.o(h))


class D(nn.Module):
    """Judges a pair (x, x') stacked as two channels; hinge loss, spectral norm."""

    def __init__(self):
        super().__init__()
        sn = nn.utils.spectral_norm
        self.c = nn.Sequential(
            sn(nn.Conv2d(2, 32, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(32, 64, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(64, 128, 3, 1, 1)), nn.LeakyReLU(0.2),
        )
        self.l = sn(nn.Linear(128 * 7 * 7, 1))

    def forward(self, x, y):
        return self.l(self.c(torch.cat([x, y], 1)).flatten(1)).squeeze(1)


g, d = G(args.zdim), D()
og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.0, 0.9))
od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.0, 0.9))
t0 = time.time()
for step in range(1, args.steps + 1):
    x, y = pairs(args.batch)
    z = torch.randn(args.batch, args.zdim)
    fake = g(x, z)
    ld = F.relu(1 - d(x, y)).mean() + F.relu(1 + d(x, fake.detach())).mean()
    od.zero_grad()
    ld.backward()
    od.step()
    lg = -d(x, fake).mean()
    og.zero_grad()
    lg.backward()
    og.step()
    if step % 500 == 0:
        print(f'step {step}: d {ld.item():.3f} g {lg.item():.3f} ({time.time() - t0:.0f} s)', flush=True)

os.makedirs(args.out, exist_ok=True)
real = real_entries(args.run, args.out)
added = []
g.eval()
for c in scarce:
    need = most - len(images[c])
    keep = int(round(args.share * need))
    src = images[c]
    cands = 2 * need
    idx = torch.arange(cands) % len(src)
    with torch.no_grad():
        xs = src[idx]
        outs = g(xs, torch.randn(cands, args.zdim))
        scores = d(xs, outs)
    order = torch.argsort(scores, descending=True)[:keep]
    for k, i in enumerate(order.tolist()):
        px = ((outs[i, 0].numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
        name = f'{k:05d}-from-{files[c][idx[i].item()][:-4]}.png'
        added.append(save_synthetic(args.out, c, name, px, 'L', 'dagan-probe', score=float(scores[i]), generatorStep=args.steps, seed=args.seed))
    own = [e for e in real if e['label'] == c]
    added += oversampled(own, need - keep)
    print(f'{c}: {keep} synthetic of {cands} candidates, {need - keep} real listed again')
write_manifest(args.run, args.out, real + added)
print(f'{time.time() - t0:.0f} s')
