#!/usr/bin/python3
"""SMOTE (Chawla et al. 2002; imbalanced-learn's `SMOTE`) in pixel space, written as a manifest: is it a stronger
classical row than random oversampling, which `evaluate` takes as the one to beat?

Each scarce class is filled to the largest class's count, as imbalanced-learn's SMOTE does: a random real image
of the class, one of its `--k` nearest neighbours in the class (Euclidean, pixels), and a point drawn uniformly on
the segment between them. `--share` < 1 fills only that share of the deficit and lists the class's real images again for the
rest, as gan-augment's `deliver.share` does.

  /usr/bin/python3 bench/smote-probe.py --run <run out folder> --train <train folder> --out <folder> [--k 5] [--share 1] [--seed 0]
  node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5 --tune-seeds 0

The real entries and summary.json come from the run (its manifest lists the same training folder). Not part of
`npm test`; the figures are in docs/measurements.md.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from probe_manifest import oversampled, probe_parser, real_entries, save_synthetic, scarce_classes, write_manifest  # noqa: E402

p = probe_parser(__doc__)
p.add_argument('--k', type=int, default=5)
p.add_argument('--share', type=float, default=1.0)
args = p.parse_args()
rng = np.random.default_rng(args.seed)

os.makedirs(args.out, exist_ok=True)
real = real_entries(args.run, args.out)
added = []
for c, names, imgs, mode, need in scarce_classes(args.train):
    x = np.stack(imgs).astype(np.float32)
    flat = x.reshape(len(x), -1)
    d2 = ((flat[:, None, :] - flat[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    nn_idx = np.argsort(d2, 1)[:, : min(args.k, len(x) - 1)]
    make = int(round(args.share * need))
    for j in range(make):
        a = rng.integers(len(x))
        b = nn_idx[a, rng.integers(nn_idx.shape[1])]
        px = (x[a] + rng.random() * (x[b] - x[a])).round().clip(0, 255).astype(np.uint8)
        added.append(save_synthetic(args.out, c, f'{j:05d}-{names[a][:-4]}-{names[b][:-4]}.png', px, mode, 'smote-probe', seed=args.seed))
    own = [e for e in real if e['label'] == c]
    added += oversampled(own, need - make)
    print(f'{c}: {make} SMOTE images (k {nn_idx.shape[1]}), {need - make} real listed again')
write_manifest(args.run, args.out, real + added)
