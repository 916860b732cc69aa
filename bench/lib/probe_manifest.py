"""What the Python probes in bench/ share: a run's real manifest entries, re-based to the probe's output folder,
and writing the probe's manifest (the real entries, then its own) beside the run's summary.json, so that
`gan-augment evaluate --manifest <out>/manifest.jsonl` reads it as it reads a run's."""
import argparse
import hashlib
import json
import os


def probe_parser(doc):
    """The arguments every probe takes: the run whose real entries it lists, its training folder, where to write, a seed."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--run', required=True)
    p.add_argument('--train', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--seed', type=int, default=0)
    return p


def real_entries(run, out):
    """The run's `source: "real"` entries, their relative paths re-based from the run folder to `out`."""
    with open(os.path.join(run, 'manifest.jsonl')) as f:
        entries = [e for e in map(json.loads, filter(None, f.read().split('\n'))) if e['source'] == 'real']
    for e in entries:
        if not os.path.isabs(e['path']):
            e['path'] = os.path.relpath(os.path.join(run, e['path']), out)
    return entries


def synthetic_entry(rel, label, data, generator, **fields):
    """A synthetic row as gan-augment writes one (hard label, weight 1); `fields` override score, seed and the rest."""
    return {'path': rel, 'file_name': rel, 'label': label, 'split': 'train', 'source': 'synthetic', 'score': None, 'scores': None,
            'generator': generator, 'generatorStep': None, 'seed': None, 'sha256': hashlib.sha256(data).hexdigest(), 'weight': 1,
            'softLabel': None, **fields}


def oversampled(own, n):
    """n of the class's real entries listed again, in turn."""
    return [{**own[j % len(own)], 'source': 'oversampled'} for j in range(n)]


def write_manifest(run, out, entries):
    """<out>/manifest.jsonl and a copy of the run's summary.json."""
    with open(os.path.join(out, 'manifest.jsonl'), 'w') as f:
        f.write(''.join(json.dumps(e, separators=(',', ':')) + '\n' for e in entries))
    with open(os.path.join(run, 'summary.json')) as f, open(os.path.join(out, 'summary.json'), 'w') as o:
        o.write(f.read())
    print(f'wrote {os.path.join(out, "manifest.jsonl")}')


def folder_images(train):
    """Every image of `train`, read once: (class labels in order, file names per class, the images as one float32
    array N × H × W × C of 0–255 values, class index per image, PIL mode 'L' or 'RGB' — RGB when any image has
    colour)."""
    import numpy as np
    from PIL import Image
    labels = sorted(d for d in os.listdir(train) if os.path.isdir(os.path.join(train, d)))
    names = [sorted(os.listdir(os.path.join(train, c))) for c in labels]
    ims = [Image.open(os.path.join(train, c, n)) for c, ns in zip(labels, names) for n in ns]
    mode = 'L' if all(i.mode in ('L', '1') for i in ims) else 'RGB'
    x = np.stack([np.asarray(i.convert(mode), dtype=np.float32) for i in ims])
    y = np.repeat(np.arange(len(labels)), [len(ns) for ns in names])
    return labels, names, x[..., None] if x.ndim == 3 else x, y, mode


def scarce_classes(train):
    """Each class of `train` with fewer images than the largest: (label, file names, images as float64 arrays,
    PIL mode 'L' or 'RGB', its deficit to the largest class), in label order."""
    import numpy as np
    from PIL import Image
    labels = sorted(d for d in os.listdir(train) if os.path.isdir(os.path.join(train, d)))
    counts = {c: len(os.listdir(os.path.join(train, c))) for c in labels}
    most = max(counts.values())
    out = []
    for c in (c for c in labels if counts[c] < most):
        names = sorted(os.listdir(os.path.join(train, c)))
        imgs = [Image.open(os.path.join(train, c, n)) for n in names]
        mode = 'L' if all(i.mode in ('L', '1') for i in imgs) else 'RGB'
        out.append((c, names, [np.asarray(i.convert(mode), dtype=np.float64) for i in imgs], mode, most - len(names)))
    return out


def save_synthetic(out, label, name, px, mode, generator, **fields):
    """`px` (uint8 array) written as <out>/synthetic/<label>/<name> (PNG); its manifest row (see synthetic_entry)."""
    import io
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(px, mode).save(buf, 'PNG')
    data = buf.getvalue()
    out_dir = os.path.join(out, 'synthetic', label)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name), 'wb') as f:
        f.write(data)
    return synthetic_entry(f'synthetic/{label}/{name}', label, data, generator, **fields)
