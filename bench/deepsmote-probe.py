#!/usr/bin/python3
"""DeepSMOTE (Dablain, Krawczyk & Chawla, IEEE TNNLS 2022) written as a manifest: SMOTE in the latent space of
an autoencoder trained on every class, its interpolations decoded to images. It is the published method that
reports beating GAN oversamplers (BAGAN, GAMO) on imbalanced Fashion-MNIST; pixel SMOTE (smote-probe.py) blends
two garments into a ghost of both, and the question is whether a decoder that learnt garments from the
plentiful classes turns the same interpolations into new garments a classifier learns from.

After the paper: a convolutional encoder (two stride-2 convolutions, batch norm, leaky ReLU; `--width` 32
channels at the first, half the reference code's 64, to fit 2 CPU cores) to a `--nz`-d code (300, the
reference code's MNIST setting) and a decoder back (fully connected, two ×2 upsamplings), trained with Adam
(lr 2e-4, batches of `--batch` 64, `--steps` 2000: about 18 passes over fmnist-lt) on every training image,
reconstruction MSE plus the paper's penalty term: a batch of one random class, its codes shifted by one place,
decoded and compared with the images shifted the same way. Then per scarce class: codes of its real images,
SMOTE among them (a random code, one of its `--k` = 5 nearest codes, a point drawn uniformly between),
decoded. Each scarce class is filled as gan-augment delivers a fill: `--share` of the deficit decoded images
(default 0.5, as `deliver.share`; the paper fills all, `--share 1`), the rest its real images listed again.
Settings chosen before any figure, none tuned.

  /usr/bin/python3 bench/deepsmote-probe.py --run <run out folder> --train <train folder> --out <folder> [--steps 2000] [--share 0.5] [--seed 0]
  node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5

The real entries and summary.json come from the run (its manifest lists the same training folder). Not part of
`npm test`; the figures are in docs/measurements.md.
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from probe_manifest import folder_images, oversampled, probe_parser, real_entries, save_synthetic, write_manifest  # noqa: E402

p = probe_parser(__doc__)
p.add_argument('--steps', type=int, default=2000)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--width', type=int, default=32)
p.add_argument('--nz', type=int, default=300)
p.add_argument('--k', type=int, default=5)
p.add_argument('--share', type=float, default=0.5)
args = p.parse_args()
rng = np.random.default_rng(args.seed)
torch.manual_seed(args.seed)

labels, names_by_class, x_raw, y_all, mode = folder_images(args.train)
x_all = x_raw.transpose(0, 3, 1, 2) / 127.5 - 1
counts = np.bincount(y_all, minlength=len(labels))
ch, size = x_all.shape[1], x_all.shape[2]
assert size % 4 == 0, f'image side {size} must be a multiple of 4'
q = size // 4
h = args.width


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(ch, h, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(h, 2 * h, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * h), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * h, 4 * h, 3, 1, 1, bias=False), nn.BatchNorm2d(4 * h), nn.LeakyReLU(0.2))
        self.fc = nn.Linear(4 * h * q * q, args.nz)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(args.nz, 4 * h * q * q), nn.ReLU())
        self.up = nn.Sequential(
            nn.ConvTranspose2d(4 * h, 2 * h, 4, 2, 1), nn.BatchNorm2d(2 * h), nn.ReLU(),
            nn.ConvTranspose2d(2 * h, h, 4, 2, 1), nn.BatchNorm2d(h), nn.ReLU(),
            nn.Conv2d(h, ch, 3, 1, 1), nn.Tanh())

    def forward(self, z):
        return self.up(self.fc(z).view(-1, 4 * h, q, q))


enc, dec = Encoder(), Decoder()
opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=2e-4)
mse = nn.MSELoss()
xt = torch.from_numpy(x_all)
by_class = [np.flatnonzero(y_all == i) for i in range(len(labels))]
t0 = time.time()
for step in range(args.steps):
    idx = rng.choice(len(x_all), args.batch, replace=False)
    xb = xt[idx]
    rec = mse(dec(enc(xb)), xb)
    # the paper's penalty term: one class's codes, shifted by one, decoded against the images shifted alike
    own = by_class[rng.integers(len(labels))]
    xc = xt[rng.choice(own, min(len(own), args.batch), replace=False)]
    shift = torch.roll(torch.arange(len(xc)), -1)
    with torch.no_grad():
        zc = enc(xc)
    pen = mse(dec(zc[shift]), xc[shift])
    opt.zero_grad()
    (rec + pen).backward()
    opt.step()
    if step % 500 == 0 or step == args.steps - 1:
        print(f'step {step}: reconstruction {rec.item():.4f}, penalty {pen.item():.4f} ({time.time() - t0:.0f} s)', flush=True)

enc.eval()
dec.eval()
os.makedirs(args.out, exist_ok=True)
real = real_entries(args.run, args.out)
added = []
for k, c in enumerate(labels):
    if counts[k] >= counts.max():
        continue  # a scarce class has fewer images than the largest (as scarce_classes), from the images loaded above
    names, x, need = names_by_class[k], x_all[y_all == k], int(counts.max() - counts[k])
    with torch.no_grad():
        z = enc(torch.from_numpy(x)).numpy()
    d2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    nn_idx = np.argsort(d2, 1)[:, : min(args.k, len(z) - 1)]
    make = int(round(args.share * need))
    a = rng.integers(len(z), size=make)
    b = nn_idx[a, rng.integers(nn_idx.shape[1], size=make)]
    zs = z[a] + rng.random((make, 1)).astype(np.float32) * (z[b] - z[a])
    with torch.no_grad():
        out = dec(torch.from_numpy(zs)).numpy()
    px = ((out + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
    px = px[:, 0] if ch == 1 else px.transpose(0, 2, 3, 1)
    for j in range(make):
        added.append(save_synthetic(args.out, c, f'{j:05d}-{names[a[j]][:-4]}-{names[b[j]][:-4]}.png', px[j], mode, 'deepsmote-probe', seed=args.seed))
    own = [e for e in real if e['label'] == c]
    added += oversampled(own, need - make)
    print(f'{c}: {make} DeepSMOTE images (k {nn_idx.shape[1]}), {need - make} real listed again')
write_manifest(args.run, args.out, real + added)
