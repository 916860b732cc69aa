/**
 * Why a checkpoint cannot be resumed, named for the user: the settings that differ, or the job's training images.
 */
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { resumeKey, resumeMismatch } from '../../src/stages/train.js';
import { asRun } from '../helpers/config.js';

const config = (over: Record<string, unknown> = {}) => asRun(ConfigSchema.parse({ input: '/in', out: '/out', ...over }));

describe('resumeMismatch', () => {
  it('names the settings that differ, checkpoint → now; paths, train.steps and thread counts are not among them', () => {
    const saved = { config: config({ train: { lrG: 0.0002, steps: 100 } }), labels: ['a', 'b'] };
    const now = config({ input: '/elsewhere', train: { lrG: 0.0005, steps: 300, workers: 2 }, gan: { arch: 'upsample' } });
    expect(resumeMismatch(saved, now, ['a', 'b'])).toBe('other settings (gan.arch "dcgan" → "upsample"; train.lrG 0.0002 → 0.0005)');
    // What it names is what the resume key compares: with the two put back, the keys match.
    const back = config({ input: '/elsewhere', train: { lrG: 0.0002, steps: 300, workers: 2 } });
    expect(resumeKey(back, ['a', 'b'], 10)).toBe(resumeKey(saved.config, ['a', 'b'], 10));
  });

  it('where every setting matches: the classes, else the count of training images', () => {
    const c = config();
    expect(resumeMismatch({ config: c, labels: ['coat'] }, c, ['shirt'])).toBe('other classes (coat; now shirt)');
    expect(resumeMismatch({ config: c, labels: ['coat'] }, c, ['coat'])).toBe('another count of training images');
  });
});
