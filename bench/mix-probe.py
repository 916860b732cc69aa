#!/usr/bin/python3
"""A scarce class's real images mixed with images of the plentiful classes, labelled the scarce class (Remix,
Chou et al. 2020, written out as images): do images that carry the plentiful classes' looks, under the scarce
class's label, move a classifier's boundary where new images of the 50 alone do not?

Each mixed image is one real image of the scarce class (in turn) and one random image of a random plentiful
class (a class with the most images): `mixup` blends the two pixel-wise, λ·scarce + (1 − λ)·plentiful; `cutmix`
pastes a random box of the plentiful image, of area 1 − λ, into the scarce one. λ ~ U(`--lam-min`, 1), 0.5 by
default: the scarce image always carries the larger share, which is Remix's rule for giving a mix the minority
class's label outright (its κ 3 and τ 0.5; every plentiful class here has ≥ 3 × a scarce class's images). With
`--soft`, the label is mixup's own instead: λ on the scarce class and 1 − λ on the plentiful one (the manifest's
softLabel). Settings chosen before any figure, none tuned. Each scarce class is filled as gan-augment delivers
a fill: `--share` of the deficit mixed images (default 0.5, as `deliver.share`), the rest its real images listed
again.

  /usr/bin/python3 bench/mix-probe.py --run <run out folder> --train <train folder> --out <folder> [--kind mixup|cutmix] [--lam-min 0.5] [--soft] [--share 0.5] [--seed 0]
  node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5

The real entries and summary.json come from the run (its manifest lists the same training folder). Not part of
`npm test`; the figures are in docs/measurements.md.
"""
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from probe_manifest import oversampled, probe_parser, real_entries, save_synthetic, scarce_classes, write_manifest  # noqa: E402

p = probe_parser(__doc__)
p.add_argument('--kind', choices=['mixup', 'cutmix'], default='mixup')
p.add_argument('--lam-min', type=float, default=0.5)
p.add_argument('--soft', action='store_true')
p.add_argument('--share', type=float, default=0.5)
args = p.parse_args()
rng = np.random.default_rng(args.seed)

scarce = scarce_classes(args.train)
labels = sorted(d for d in os.listdir(args.train) if os.path.isdir(os.path.join(args.train, d)))
few = {c for c, *_ in scarce}
mode = scarce[0][3]
plentiful = {c: sorted(os.listdir(os.path.join(args.train, c))) for c in labels if c not in few}


def partner():
    """A random image of a random plentiful class, at the scarce images' mode and size."""
    c = sorted(plentiful)[rng.integers(len(plentiful))]
    name = plentiful[c][rng.integers(len(plentiful[c]))]
    return c, np.asarray(Image.open(os.path.join(args.train, c, name)).convert(mode), dtype=np.float64)


def mix(a, b, lam):
    """a: the scarce image, b: the plentiful one (same size); returns the mix and the share of a's pixels in it."""
    if args.kind == 'mixup':
        return lam * a + (1 - lam) * b, lam
    h, w = a.shape[:2]
    ch, cw = int(round(h * np.sqrt(1 - lam))), int(round(w * np.sqrt(1 - lam)))
    y, x = rng.integers(h - ch + 1), rng.integers(w - cw + 1)
    out = a.copy()
    out[y:y + ch, x:x + cw] = b[y:y + ch, x:x + cw]
    return out, 1 - ch * cw / (h * w)


os.makedirs(args.out, exist_ok=True)
real = real_entries(args.run, args.out)
added = []
for c, names, x, _, need in scarce:
    make = int(round(args.share * need))
    for j in range(make):
        a = j % len(x)  # every real image mixed once before any twice
        pc, b = partner()
        lam = rng.uniform(args.lam_min, 1)
        m, share = mix(x[a], b, lam)
        px = m.round().clip(0, 255).astype(np.uint8)
        soft = {c: share, pc: 1 - share} if args.soft else None
        added.append(save_synthetic(args.out, c, f'{j:05d}-{names[a][:-4]}.png', px, mode, f'mix-probe-{args.kind}',
                                    seed=args.seed, softLabel=soft))
    own = [e for e in real if e['label'] == c]
    added += oversampled(own, need - make)
    print(f'{c}: {make} {args.kind} images (λ ~ U({args.lam_min}, 1), {"soft" if args.soft else "hard"} labels), '
          f'{need - make} real listed again')
write_manifest(args.run, args.out, real + added)
