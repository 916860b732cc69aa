/**
 * Fused layer ops: normalisation or bias, then LeakyReLU, each as one op that keeps few activation-sized
 * tensors alive — `batchNormLeaky` (a generator layer in training, hand-written gradient), `biasLeaky`
 * (a discriminator layer, hand-written gradient), `affineLeaky` (a generator layer at inference).
 *
 * Written out of tfjs ops, the same layer puts about a dozen full-size tensors on the tape (moments,
 * centring, scaling, shift, activation) and as many gradients, and tfjs keeps every gradient until the
 * whole backward pass ends: at batch 64 the generator's 14×14×64 layer alone held ~60 MB of the ~240 MB
 * a training step needed, which the wasm heap keeps for the rest of the run. Fused, the tape holds the
 * layer's input and output and the backward pass frees its temporaries per layer.
 *
 * Gradient (N = images × positions per channel, x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γx̂ + β,
 * out = lrelu(y), dy = dout · lrelu′(y)):
 *   dβ = Σ dy,   dγ = Σ dy·x̂,   dx = γ·r · (dy − dβ/N − x̂·dγ/N).
 * With γ, β per image and channel (conditional batch norm: each image's class picks its own gain and
 * bias; shape [B, 1, …, C]), dβ and dγ sum over positions only, and with g = dy·γ:
 *   dx = r · (g − Σg/N − x̂·Σ(g·x̂)/N),  Σg = Σ_images γ·dβ,  Σ(g·x̂) = Σ_images γ·dγ —
 * the per-channel formula when γ is one per channel, so one code path serves both.
 *
 * Data-parallel training (gan/parallel) splits a batch across replicas; inside `acrossReplicas`, the
 * batch statistics (μ, σ², and Σg, Σg·x̂ of the gradient) are summed over every replica's part, so each
 * normalises with the statistics of the whole batch, as one process would.
 */
import { tf } from '../tf.js';

/** Sums per-channel figures over every replica's part of the batch (each part the same size). */
export interface BatchReducer {
  replicas: number;
  sum(local: Float32Array): Float32Array;
}

let reducer: BatchReducer | null = null;

/** Runs `fn` with batch statistics summed across replicas; restores the previous reducer after. */
export function acrossReplicas<T>(r: BatchReducer, fn: () => T): T {
  const before = reducer;
  reducer = r;
  try {
    return fn();
  } finally {
    reducer = before;
  }
}

/** `t` ([C]) summed over every replica, as a new tensor. */
function reduced(r: BatchReducer, t: tf.Tensor): tf.Tensor {
  return tf.tensor(r.sum(t.dataSync() as Float32Array), t.shape);
}

/** `f(t)`, then `t` disposed: keeps at most a few activation-sized tensors alive at once. */
function then<T extends tf.Tensor>(t: tf.Tensor, f: (t: tf.Tensor) => T): T {
  const out = f(t);
  t.dispose();
  return out;
}

/** `t` summed down to `shape`, a shape `t` broadcasts from (same rank, or a trailing [C]). */
function sumTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  const full = [...Array<number>(t.rank - shape.length).fill(1), ...shape];
  const axes = full.flatMap((d, i) => (d === 1 && t.shape[i] !== 1 ? [i] : []));
  return axes.length === 0 ? t.reshape(shape) : then(t.sum(axes, true), (s) => s.reshape(shape));
}

/**
 * LeakyReLU(BN(x)) over all axes but the last, with batch statistics; γ, β per channel ([C]) or per
 * image and channel ([B, 1, …, C], conditional batch norm).
 */
function batchNormLeaky_(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, leak: number, epsilon = 1e-5): tf.Tensor {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const channels = x.shape[x.shape.length - 1]!;
  // Captured now: the gradient runs later, but still inside the same acrossReplicas call.
  const across = reducer;
  const n = (x.size / channels) * (across?.replicas ?? 1);
  const op = tf.customGrad((xIn, g, b, save) => {
    const [xi, gi, bi] = [xIn, g, b] as tf.Tensor[];
    const { mean, variance } = across ? replicaMoments(across, xi!, axes, n) : tf.moments(xi!, axes);
    const rstd = tf.rsqrt(variance.add(epsilon));
    // y = x·(γr) + (β − μγr): two activation-sized passes instead of four.
    const scale = gi!.mul(rstd);
    const shift = bi!.sub(mean.mul(scale));
    const out = then(then(xi!.mul(scale), (t) => t.add(shift)), (y) => tf.leakyRelu(y, leak));
    (save as tf.GradSaveFunc)([xi!, out, mean, rstd, gi!]);
    return {
      value: out,
      gradFunc: (dout: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, outS, mu, r, gs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          // lrelu′(y) from the output: y > 0 exactly where out > 0 (leak > 0).
          const dy = then(tf.step(outS, leak), (s) => dout.mul(s));
          const dBeta = sumTo(dy, beta.shape);
          const dyS = gamma.shape.join() === beta.shape.join() ? dBeta : sumTo(dy, gamma.shape);
          // Σ dy·x̂ = r·(Σ dy·x − μ·Σ dy), without materialising x̂.
          const dGamma = then(dy.mul(xs), (t) => sumTo(t, gamma.shape)).sub(mu.mul(dyS)).mul(r);
          // Over the whole batch Σg = Σ γ·dβ and Σg·x̂ = Σ γ·dγ (summed over the images where γ is per
          // image), so dx = γr·dy + b·x + c, with b = −r²·Σg·x̂/N and c = −r·(Σg − μ·r·Σg·x̂)/N.
          let sumG = sumTo(gs.mul(dyS), [channels]);
          let sumGx = sumTo(gs.mul(dGamma), [channels]);
          if (across) {
            // One exchange for both sums: [Σg, Σg·x̂] over the whole batch.
            const both = reduced(across, tf.concat([sumG, sumGx]));
            [sumG, sumGx] = tf.split(both, 2) as [tf.Tensor, tf.Tensor];
          }
          const a = gs.mul(r);
          const bx = r.square().mul(sumGx).div(-n);
          const c = r.mul(sumG.sub(mu.mul(r).mul(sumGx))).div(-n);
          const dx = then(then(dy.mul(a), (t) => then(xs.mul(bx), (u) => t.add(u))), (t) => t.add(c));
          dy.dispose();
          return [dx, dGamma, dBeta];
        }),
    };
  });
  return op(x, gamma, beta);
}

/**
 * Mean and (biased) variance over `axes` of the whole batch, `x` being this replica's part and `n` the
 * whole batch's count per channel: Σx summed across replicas gives μ, then Σ(x − μ)² gives σ² — two
 * passes, as tf.moments, rather than E[x²] − μ², which loses precision.
 */
function replicaMoments(r: BatchReducer, x: tf.Tensor, axes: number[], n: number): { mean: tf.Tensor; variance: tf.Tensor } {
  return tf.tidy(() => {
    const mean = then(then(x.sum(axes), (s) => reduced(r, s)), (s) => s.div(n));
    const variance = then(then(x.sub(mean).square().sum(axes), (s) => reduced(r, s)), (s) => s.div(n));
    return { mean, variance };
  });
}

/**
 * LeakyReLU(x + b) with b per channel, as one op: the tape keeps only the output (the gradient is
 * dy = dout·lrelu′, db = Σ dy, dx = dy). Not twice differentiable: R1 and WGAN-GP, which differentiate
 * D's input gradient, build D from plain ops instead.
 */
function biasLeaky_(x: tf.Tensor, bias: tf.Tensor, leak: number): tf.Tensor {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const op = tf.customGrad((xIn, b, save) => {
    const out = then((xIn as tf.Tensor).add(b as tf.Tensor), (y) => tf.leakyRelu(y, leak));
    (save as tf.GradSaveFunc)([out]);
    return {
      value: out,
      gradFunc: (dout: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const dy = then(tf.step(saved[0]!, leak), (s) => dout.mul(s));
          return [dy, dy.sum(axes)];
        }),
    };
  });
  return op(x, bias);
}

/**
 * LeakyReLU(BN(x)) with stored statistics (inference), folded into one scale and one shift per channel:
 * x·s + t with s = γ/√(σ² + ε), t = β − μ·s — two activation-sized passes, one alive at a time.
 */
function affineLeaky_(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, leak: number, epsilon = 1e-5): tf.Tensor {
  const [s, t] = tf.tidy(() => {
    const scale = gamma.mul(tf.rsqrt(variance.add(epsilon)));
    return [scale, beta.sub(mean.mul(scale))];
  });
  const out = then(then(x.mul(s!), (y) => y.add(t!)), (y) => tf.leakyRelu(y, leak));
  tf.dispose([s!, t!]);
  return out;
}

// tf.op names each op's scope (`batchNormLeaky__op`) in profiles and error messages, instead of "unnamed scope".
export const batchNormLeaky = tf.op({ batchNormLeaky_ });
export const biasLeaky = tf.op({ biasLeaky_ });
export const affineLeaky = tf.op({ affineLeaky_ });
