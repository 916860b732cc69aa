#!/usr/bin/python3
"""Random elastic deformations of a scarce class's real images (Simard, Steinkraus and Platt 2003), written as a
manifest: does new *shape* — the one thing a deformation adds and a ±2 px shift does not — help a classifier
where the GAN's images do not?

Each deformed image is one real image of the class, resampled (bilinear) through a displacement field of uniform
noise in [-1, 1] per pixel and axis, smoothed by a Gaussian of `--sigma` pixels and scaled by `--alpha` (the paper's
MNIST values, 34 and 4, by default: chosen before any figure, not tuned). Each scarce class is filled as
gan-augment delivers a fill: `--share` of the deficit deformed images (default 0.5, as `deliver.share`), the
rest its real images listed again, hard labels.

With `--transform flip` each image is instead its real image mirrored left–right: the one new view of a garment
that is surely of its class, and one that the classifier's ±2 px shifts do not give.

  /usr/bin/python3 bench/deform-probe.py --run <run out folder> --train <train folder> --out <folder> [--transform elastic|flip] [--alpha 34] [--sigma 4] [--share 0.5] [--seed 0]
  node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5

The real entries and summary.json come from the run (its manifest lists the same training folder). Not part of
`npm test`; the figures are in docs/measurements.md.
"""
import os
import sys

import numpy as np
from scipy.ndimage import gaussian_filter, map_coordinates

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from probe_manifest import oversampled, probe_parser, real_entries, save_synthetic, scarce_classes, write_manifest  # noqa: E402

p = probe_parser(__doc__)
p.add_argument('--alpha', type=float, default=34.0)
p.add_argument('--sigma', type=float, default=4.0)
p.add_argument('--share', type=float, default=0.5)
p.add_argument('--transform', choices=['elastic', 'flip'], default='elastic')
args = p.parse_args()
rng = np.random.default_rng(args.seed)


def deform(x):
    """x: H × W (× C) float image; one smooth random displacement field for all channels."""
    h, w = x.shape[:2]
    dy = gaussian_filter(rng.uniform(-1, 1, (h, w)), args.sigma, mode='constant') * args.alpha
    dx = gaussian_filter(rng.uniform(-1, 1, (h, w)), args.sigma, mode='constant') * args.alpha
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
    coords = [yy + dy, xx + dx]
    if x.ndim == 2:
        return map_coordinates(x, coords, order=1, mode='nearest')
    return np.stack([map_coordinates(x[..., ch], coords, order=1, mode='nearest') for ch in range(x.shape[2])], -1)


os.makedirs(args.out, exist_ok=True)
real = real_entries(args.run, args.out)
added = []
for c, names, x, mode, need in scarce_classes(args.train):
    make = int(round(args.share * need))
    for j in range(make):
        a = j % len(x)  # every real image deformed once before any twice
        px = (deform(x[a]) if args.transform == 'elastic' else np.flip(x[a], axis=1)).round().clip(0, 255).astype(np.uint8)
        added.append(save_synthetic(args.out, c, f'{j:05d}-{names[a][:-4]}.png', px, mode, 'deform-probe', seed=args.seed))
    own = [e for e in real if e['label'] == c]
    added += oversampled(own, need - make)
    what = f'deformed images (alpha {args.alpha}, sigma {args.sigma})' if args.transform == 'elastic' else 'mirrored images'
    print(f'{c}: {make} {what}, {need - make} real listed again')
write_manifest(args.run, args.out, real + added)
