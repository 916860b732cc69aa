#!/usr/bin/python3
"""SMOTE (Chawla et al. 2002; imbalanced-learn's `SMOTE`) in pixel space, written as a manifest: is it a stronger
classical row than random oversampling, which `evaluate` takes as the one to beat?

Each scarce class is filled to the largest class's count, as imbalanced-learn's SMOTE does: a random real image
of the class, one of its `--k` nearest neighbours in the class (Euclidean, pixels), and a point drawn uniformly on
the segment between them. `--share` < 1 fills only that share so and lists the class's real images again for the
rest, as gan-augment's `deliver.share` does.

  /usr/bin/python3 bench/smote-probe.py --run <run out folder> --train <train folder> --out <folder> [--k 5] [--share 1] [--seed 0]
  node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5 --tune-seeds 0

The real entries and summary.json come from the run (its manifest lists the same training folder). Not part of
`npm test`; the figures are in docs/measurements.md.
"""
import argparse
import hashlib
import io
import json
import os

import numpy as np
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument('--run', required=True)
p.add_argument('--train', required=True)
p.add_argument('--out', required=True)
p.add_argument('--k', type=int, default=5)
p.add_argument('--share', type=float, default=1.0)
p.add_argument('--seed', type=int, default=0)
args = p.parse_args()
rng = np.random.default_rng(args.seed)

labels = sorted(d for d in os.listdir(args.train) if os.path.isdir(os.path.join(args.train, d)))
counts = {c: len(os.listdir(os.path.join(args.train, c))) for c in labels}
most = max(counts.values())
rebase = lambda q: q if os.path.isabs(q) else os.path.relpath(os.path.join(args.run, q), args.out)
with open(os.path.join(args.run, 'manifest.jsonl')) as f:
    real = [e for e in map(json.loads, filter(None, f.read().split('\n'))) if e['source'] == 'real']
for e in real:
    e['path'] = rebase(e['path'])
os.makedirs(args.out, exist_ok=True)
added = []
for c in (c for c in labels if counts[c] < most):
    names = sorted(os.listdir(os.path.join(args.train, c)))
    imgs = [Image.open(os.path.join(args.train, c, n)) for n in names]
    mode = 'L' if all(i.mode in ('L', '1') for i in imgs) else 'RGB'
    x = np.stack([np.asarray(i.convert(mode), dtype=np.float32) for i in imgs])
    flat = x.reshape(len(x), -1)
    d2 = ((flat[:, None, :] - flat[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    nn_idx = np.argsort(d2, 1)[:, : min(args.k, len(x) - 1)]
    need = most - len(x)
    make = int(round(args.share * need))
    out_dir = os.path.join(args.out, 'synthetic', c)
    os.makedirs(out_dir, exist_ok=True)
    for j in range(make):
        a = rng.integers(len(x))
        b = nn_idx[a, rng.integers(nn_idx.shape[1])]
        px = (x[a] + rng.random() * (x[b] - x[a])).round().clip(0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(px, mode).save(buf, 'PNG')
        data = buf.getvalue()
        name = f'{j:05d}-{names[a][:-4]}-{names[b][:-4]}.png'
        with open(os.path.join(out_dir, name), 'wb') as f:
            f.write(data)
        rel = f'synthetic/{c}/{name}'
        added.append({'path': rel, 'file_name': rel, 'label': c, 'split': 'train', 'source': 'synthetic', 'score': None, 'scores': None,
                      'generator': 'smote-probe', 'generatorStep': None, 'seed': args.seed, 'sha256': hashlib.sha256(data).hexdigest(), 'weight': 1, 'softLabel': None})
    own = [e for e in real if e['label'] == c]
    for j in range(need - make):
        added.append({**own[j % len(own)], 'source': 'oversampled'})
    print(f'{c}: {make} SMOTE images (k {nn_idx.shape[1]}), {need - make} real listed again')
with open(os.path.join(args.out, 'manifest.jsonl'), 'w') as f:
    f.write(''.join(json.dumps(e, separators=(',', ':')) + '\n' for e in real + added))
with open(os.path.join(args.run, 'summary.json')) as f, open(os.path.join(args.out, 'summary.json'), 'w') as o:
    o.write(f.read())
print(f'wrote {args.out}/manifest.jsonl')
