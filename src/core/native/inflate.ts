import { kernel } from './kernels.js';

const inflateExact = kernel<(compressed: Uint8Array, out: Uint8Array) => boolean>('zlibInflateExact');

/**
 * Inflates a whole zlib stream into `out` in C (kernels/inflate.h): true when it ended exactly at
 * `out.length` bytes with a good checksum. False for anything else (cut off, corrupt, longer): `out` is then
 * undefined, and the caller asks zlib what is wrong.
 */
export function zlibInflateExact(compressed: Uint8Array, out: Uint8Array): boolean {
  if (out.length === 0) throw new RangeError('zlibInflateExact: an empty output buffer');
  return inflateExact(compressed, out);
}
