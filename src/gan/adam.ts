/**
 * Adam (Kingma & Ba 2015) over named parameters. Our own rather than tf.train.adam because its state is
 * keyed by our parameter names (tfjs keys it by global variable names that differ between processes),
 * so a checkpoint restores it exactly, and its learning rate can be changed (the divergence guard).
 */
import { tf } from '../tf.js';
import { assignFrom, variableOf, type Params } from './params.js';

export interface AdamState {
  step: number;
  lr: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class Adam {
  lr: number;
  step = 0;
  readonly m: Record<string, tf.Variable> = {};
  readonly v: Record<string, tf.Variable> = {};
  /** tfjs variable name → our parameter name. */
  private readonly byVarName = new Map<string, string>();

  constructor(
    readonly params: Params,
    lr: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon = 1e-8,
  ) {
    this.lr = lr;
    for (const [name, p] of Object.entries(params)) {
      if (!p.trainable) continue;
      this.byVarName.set(p.name, name);
      this.m[name] = variableOf(tf.zerosLike(p), false);
      this.v[name] = variableOf(tf.zerosLike(p), false);
    }
  }

  /** The trainable variables, in a stable order (for tf.variableGrads). */
  get variables(): tf.Variable[] {
    return Object.keys(this.m).map((n) => this.params[n]!);
  }

  /** One update from gradients keyed by tfjs variable name (what tf.variableGrads returns). */
  apply(grads: tf.NamedTensorMap): void {
    this.step++;
    const t = this.step;
    const correction = Math.sqrt(1 - Math.pow(this.beta2, t)) / (1 - Math.pow(this.beta1, t));
    const lrT = this.lr * correction;
    // One tidy per weight: the temporaries of one update (several weight-sized tensors) are freed before
    // the next, instead of all weights' at once.
    for (const [varName, g] of Object.entries(grads)) {
      const name = this.byVarName.get(varName);
      if (name === undefined) continue;
      tf.tidy(() => {
        const m = this.m[name]!;
        const v = this.v[name]!;
        const m1 = m.mul(this.beta1).add(g.mul(1 - this.beta1));
        const v1 = v.mul(this.beta2).add(g.square().mul(1 - this.beta2));
        m.assign(m1);
        v.assign(v1);
        const p = this.params[name]!;
        p.assign(p.sub(m1.mul(lrT).div(v1.sqrt().add(this.epsilon))));
      });
    }
  }

  async save(): Promise<AdamState> {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const n of Object.keys(this.m)) {
      m[n] = (await this.m[n]!.data()) as Float32Array;
      v[n] = (await this.v[n]!.data()) as Float32Array;
    }
    return { step: this.step, lr: this.lr, m, v };
  }

  load(s: AdamState): void {
    this.step = s.step;
    this.lr = s.lr;
    for (const n of Object.keys(this.m)) {
      if (s.m[n]) assignFrom(this.m[n]!, tf.tensor(s.m[n]!, this.m[n]!.shape));
      if (s.v[n]) assignFrom(this.v[n]!, tf.tensor(s.v[n]!, this.v[n]!.shape));
    }
  }

  dispose(): void {
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}
