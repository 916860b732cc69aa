/**
 * tfjs as every module here takes it: `import { tf } from './tf.js'`, for values and types alike (`tf.tidy`,
 * `tf.Tensor4D`), and `tfRequire` for the backends' packages.
 *
 * Why not `import * as tf from '@tensorflow/tfjs'`: tfjs ships CommonJS for Node, and Node's ES-module loader
 * parses each CommonJS file it imports, and each one that file re-exports, to find its export names
 * (cjs-module-lexer) — over a third of a command's start-up. Measured on a 2-GHz core, tfjs and its wasm
 * backend: imported 0.67 s, required 0.31 s (`gan-augment --version` 1.0 s before). Required, the same files
 * load as the same instances (one require cache), so the kernels registered here are the backends' own.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

/** `require` from this package: tfjs, its wasm backend, and the optional tfjs-node packages. */
export const tfRequire = createRequire(import.meta.url);

const tf = tfRequire('@tensorflow/tfjs') as typeof TF;

/** The tfjs types this project names (a const and a types-only namespace merge: `tf.Tensor` is both). */
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace tf {
  export type Rank = TF.Rank;
  export namespace Rank {
    export type R2 = TF.Rank.R2;
  }
  export namespace io {
    export type IOHandler = TF.io.IOHandler;
    export type LoadHandler = TF.io.LoadHandler;
    export type SaveHandler = TF.io.SaveHandler;
    export type SaveResult = TF.io.SaveResult;
    export type ModelArtifacts = TF.io.ModelArtifacts;
    export type ModelJSON = TF.io.ModelJSON;
  }
  export namespace layers {
    export type Layer = TF.layers.Layer;
  }
  export namespace backend_util {
    export type ExplicitPadding = TF.backend_util.ExplicitPadding;
    export type Conv2DInfo = TF.backend_util.Conv2DInfo;
  }
  export type DataType = TF.DataType;
  export type DataId = TF.DataId;
  export type Tensor<R extends TF.Rank = TF.Rank> = TF.Tensor<R>;
  export type Scalar = TF.Scalar;
  export type Tensor1D = TF.Tensor1D;
  export type Tensor2D = TF.Tensor2D;
  export type Tensor4D = TF.Tensor4D;
  export type Variable<R extends TF.Rank = TF.Rank> = TF.Variable<R>;
  export type TensorInfo = TF.TensorInfo;
  export type TensorContainer = TF.TensorContainer;
  export type NamedTensorMap = TF.NamedTensorMap;
  export type NamedAttrMap = TF.NamedAttrMap;
  export type KernelFunc = TF.KernelFunc;
  export type KernelConfig = TF.KernelConfig;
  export type GradConfig = TF.GradConfig;
  export type GradSaveFunc = TF.GradSaveFunc;
  export type Optimizer = TF.Optimizer;
  export type LayersModel = TF.LayersModel;
  export type SymbolicTensor = TF.SymbolicTensor;
}

export { tf };
