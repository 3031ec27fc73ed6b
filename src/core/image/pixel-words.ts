/**
 * RGBA pixels as 32-bit words: one load or store per pixel instead of four. A word view keeps the bytes' order,
 * so copying words is right on any machine; code that packs or unpacks channels (r | g << 8 | b << 16 | a << 24)
 * is only right on little-endian ones and checks LITTLE_ENDIAN.
 */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The bytes of `buf` as words, or null when they do not start on a 4-byte boundary (no view can be made). */
export function wordView(buf: Uint8Array): Uint32Array | null {
  return buf.byteOffset % 4 === 0 ? new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2) : null;
}
