/**
 * A tfjs IOHandler for model folders on the local disk: `model.json` plus the weight shards its
 * `weightsManifest` names. tfjs in Node has no `file://` handler without tfjs-node, so both the cached
 * feature classifier and a user's own Layers or Graph model (`features.model`) are read through this.
 */
import { tf } from '../tf.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InternalError, UserError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';

/** Accepts `dir`, `dir/model.json`, or `file://…` forms of either; returns the model.json path. */
export function modelJsonPath(location: string): string {
  const p = location.startsWith('file://') ? location.slice('file://'.length) : location;
  return p.endsWith('.json') ? path.resolve(p) : path.resolve(p, 'model.json');
}

/** An IOHandler with both halves present. */
export type FileModelHandler = tf.io.IOHandler & { load: tf.io.LoadHandler; save: tf.io.SaveHandler };

/**
 * An IOHandler reading and writing `model.json` + `weights.bin` (reading also accepts any number of
 * shards, as the tfjs converter writes them).
 *
 * @example
 * const model = await tf.loadGraphModel(fileModel('models/inception/model.json'));
 * await classifier.save(fileModel('.cache/classifier/ab12'));
 * @param location a folder or a model.json path, optionally prefixed by `file://`
 */
export function fileModel(location: string): FileModelHandler {
  const jsonPath = modelJsonPath(location);
  const dir = path.dirname(jsonPath);
  return {
    async load() {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UserError(`${jsonPath}: expected a tfjs model.json, ${e.code === 'ENOENT' ? 'but it does not exist' : `but could not read it (${e.message})`}`);
      }
      if (!json || typeof json !== 'object' || !json.modelTopology) {
        throw new UserError(`${jsonPath}: expected a tfjs model.json with "modelTopology" and "weightsManifest"`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = await Promise.all(
          manifest.flatMap((group) =>
            group.paths.map((p) =>
              readFile(path.resolve(dir, p)).catch((err: NodeJS.ErrnoException) => {
                throw new UserError(`${jsonPath}: weight shard ${p} could not be read (${err.code ?? err.message})`);
              }),
            ),
          ),
        );
        const total = shards.reduce((s, b) => s + b.byteLength, 0);
        const joined = new Uint8Array(total);
        let off = 0;
        for (const b of shards) {
          joined.set(b, off);
          off += b.byteLength;
        }
        return [specs, joined.buffer];
      });
    },

    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new InternalError('fileModel: saving a binary (protobuf) topology is not supported');
      }
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      // Weights first, model.json last: a reader that finds model.json finds its weights.
      await writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(weights));
      await writeFileAtomic(jsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
