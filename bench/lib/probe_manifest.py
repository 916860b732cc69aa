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
