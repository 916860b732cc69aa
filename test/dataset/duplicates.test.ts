import { describe, expect, it } from 'vitest';
import { describeGroup, duplicateLines, findDuplicates } from '../../src/dataset/duplicates.js';

const f = (path: string, label: string, hash: string) => ({ path, label, hash });

describe('findDuplicates', () => {
  it('groups files by their bytes: within one class, or under two labels; copies count the files beyond the first', () => {
    const d = findDuplicates([
      f('coat/b.png', 'coat', 'h1'),
      f('shirt/z.png', 'shirt', 'h2'),
      f('coat/a.png', 'coat', 'h1'),
      f('coat/c.png', 'coat', 'h1'),
      f('coat/x.png', 'coat', 'h2'),
      f('bag/only.png', 'bag', 'h3'),
      // a file whose hash decode did not compute is no one's copy
      f('bag/p.png', 'bag', ''),
      f('bag/q.png', 'bag', ''),
    ]);
    expect(d.withinClass).toEqual([{ files: [{ path: 'coat/a.png', label: 'coat' }, { path: 'coat/b.png', label: 'coat' }, { path: 'coat/c.png', label: 'coat' }] }]);
    expect(d.acrossClasses).toEqual([{ files: [{ path: 'coat/x.png', label: 'coat' }, { path: 'shirt/z.png', label: 'shirt' }] }]);
    expect(d.copies).toBe(3);
    expect(describeGroup(d.withinClass[0]!)).toBe('coat/a.png = coat/b.png = coat/c.png');
    expect(describeGroup(d.acrossClasses[0]!)).toBe('coat/x.png (coat) = shirt/z.png (shirt)');
    expect(findDuplicates([f('a/1.png', 'a', 'h'), f('a/2.png', 'a', 'g')])).toEqual({ withinClass: [], acrossClasses: [], copies: 0 });
  });

  it('says what to do: a warning per image under two labels, one line for the copies within classes, each list bounded', () => {
    const across = Array.from({ length: 4 }, (_, i) => ({ files: [{ path: `a/${i}.png`, label: 'a' }, { path: `b/${i}.png`, label: 'b' }] }));
    const within = Array.from({ length: 5 }, (_, i) => ({ files: [{ path: `a/c${i}.png`, label: 'a' }, { path: `a/d${i}.png`, label: 'a' }] }));
    const lines = duplicateLines({ withinClass: within, acrossClasses: across, copies: 9 }, 2);
    expect(lines.map((l) => l.conflict)).toEqual([true, true, true, false]);
    expect(lines[0]!.text).toBe('the same image under 2 labels (same bytes): a/0.png (a) = b/0.png (b); one of the labels is wrong: delete or move the wrong copy');
    expect(lines[2]!.text).toBe('… and 2 more images under two labels (see summary.json, or scan --json)');
    expect(lines[3]!.text).toBe(
      '5 files are copies of another in their class (same bytes), counted as separate images in the balance: a/c0.png = a/d0.png; a/c1.png = a/d1.png; … and 3 more groups (see summary.json, or scan --json)',
    );
    expect(duplicateLines({ withinClass: [], acrossClasses: [], copies: 0 }, 20)).toEqual([]);
  });
});
