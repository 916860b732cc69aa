/** Picking rows out of flat arrays, to hand a filter only its survivors' values. Pure. */

/** values[indices[i]] for each i, as a new array (to hand a filter only its survivors' scores). */
export function gather(values: ArrayLike<number>, indices: readonly number[]): Float64Array {
  return Float64Array.from(indices, (i) => values[i]!);
}

/** Rows `indices` of a row-major matrix with `width` columns. */
export function gatherRows(values: ArrayLike<number>, width: number, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length * width);
  indices.forEach((i, k) => {
    for (let j = 0; j < width; j++) out[k * width + j] = values[i * width + j]!;
  });
  return out;
}
