import { describe, expect, it } from 'vitest';
import { layoutWarnings } from '../../src/dataset/layout.js';

const scan = (classes: Record<string, string[]>) => ({ root: '/data', classes: Object.entries(classes).map(([label, files]) => ({ label, files })) });

describe('layoutWarnings', () => {
  it('says nothing for one sub-folder per class, nested folders or not', () => {
    expect(layoutWarnings(scan({ coat: ['coat/a.png'], shirt: ['shirt/b.png', 'shirt/x/c.png', 'shirt/y/d.png'] }))).toEqual([]);
    // A class named like a split but holding images, not class folders, is a class.
    expect(layoutWarnings(scan({ test: ['test/a.png'], other: ['other/b.png'] }))).toEqual([]);
  });

  it('names split folders that hold class folders, and points at the training split', () => {
    expect(layoutWarnings(scan({ Test: ['Test/coat/1.png', 'Test/shirt/2.png'], train: ['train/coat/1.png', 'train/shirt/2.png', 'train/bag/3.png'] }))).toEqual([
      'class folders "Test", "train" look like dataset splits holding class folders ("train/bag", "train/coat", "train/shirt"), not like classes: point the input at one split, e.g. /data/train',
    ]);
    expect(layoutWarnings(scan({ val: ['val/a/1.png', 'val/b/2.png'] }))).toEqual([
      'class folder "val" looks like a dataset split holding class folders ("val/a", "val/b"), not like a class: point the input at one split, e.g. /data/val',
    ]);
  });

  it('warns of a single class, and where its sub-folders look like the classes says so', () => {
    expect(layoutWarnings(scan({ only: ['only/1.png'] }))).toEqual(['only one class ("only"): there is nothing to balance, and a run adds no image; the input needs one sub-folder per class']);
    expect(layoutWarnings(scan({ photos: ['photos/cat/1.png', 'photos/dog/2.png'], empty: [] }))[0]).toBe(
      'only one class ("photos"): there is nothing to balance, and a run adds no image; the input needs one sub-folder per class. Its images lie in 2 sub-folders ("cat", "dog"): if those are the classes, point the input at /data/photos',
    );
  });
});
