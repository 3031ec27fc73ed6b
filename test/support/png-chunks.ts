// PNG files as chunk lists, for tests that inspect or take apart PNGs (filter types used, mutated files).
import { crc32, deflateSync, inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Chunk {
  type: string;
  data: Buffer;
}

/** The chunks of a well-formed PNG (throws on a broken one: this reads test inputs, not hostile data). */
export function pngChunks(png: Buffer): Chunk[] {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  const chunks: Chunk[] = [];
  for (let pos = 8; pos + 12 <= png.length; ) {
    const length = png.readUInt32BE(pos);
    chunks.push({ type: png.toString('latin1', pos + 4, pos + 8), data: png.subarray(pos + 8, pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

/** A PNG of these chunks, each with its correct CRC. */
export function pngFromChunks(chunks: readonly Chunk[]): Buffer {
  const parts: Buffer[] = [PNG_SIGNATURE];
  for (const { type, data } of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    parts.push(head, data, crc);
  }
  return Buffer.concat(parts);
}

/** The inflated image data (rows with their filter bytes) of a PNG. */
export function pngImageData(png: Buffer): Buffer {
  return inflateSync(Buffer.concat(pngChunks(png).filter((c) => c.type === 'IDAT').map((c) => c.data)));
}

/** The same PNG with its IDAT chunks replaced by one holding `data` deflated. */
export function withImageData(png: Buffer, data: Buffer): Buffer {
  const chunks = pngChunks(png);
  const first = chunks.findIndex((c) => c.type === 'IDAT');
  const rest = chunks.filter((c) => c.type !== 'IDAT');
  rest.splice(first, 0, { type: 'IDAT', data: deflateSync(data) });
  return pngFromChunks(rest);
}

/** Fields of the IHDR chunk. */
export function pngHeader(png: Buffer): { width: number; height: number; depth: number; colorType: number; interlace: number } {
  const ihdr = pngChunks(png)[0]!.data;
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), depth: ihdr[8]!, colorType: ihdr[9]!, interlace: ihdr[12]! };
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/**
 * Image data written with filter type 0 everywhere (pypng's) refiltered with the type `choose` gives each row: a
 * plain implementation of PNG filtering (spec section 9) to check the decoder's unfiltering against.
 */
export function refiltered(png: Buffer, choose: (row: number, pass: number) => number): Buffer {
  const h = pngHeader(png);
  const bits = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[h.colorType]! * h.depth;
  const bpp = Math.max(1, bits >> 3);
  const data = pngImageData(png);
  const out = Buffer.alloc(data.length);
  const passes = h.interlace ? ADAM7 : [[0, 0, 1, 1] as const];
  let pos = 0;
  passes.forEach(([x0, y0, dx, dy], pass) => {
    const w = h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0;
    const rows = h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0;
    if (!w || !rows) return;
    const n = Math.ceil((w * bits) / 8);
    for (let y = 0; y < rows; y++, pos += n + 1) {
      if (data[pos] !== 0) throw new Error('refiltered() needs image data without filters');
      const f = choose(y, pass);
      out[pos] = f;
      for (let i = 0; i < n; i++) {
        const cur = data[pos + 1 + i]!;
        const a = i >= bpp ? data[pos + 1 + i - bpp]! : 0;
        const b = y > 0 ? data[pos - n + i]! : 0;
        const c = i >= bpp && y > 0 ? data[pos - n + i - bpp]! : 0;
        const p = a + b - c;
        const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
        const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
        out[pos + 1 + i] = (cur - pred) & 255;
      }
    }
  });
  return withImageData(png, out);
}
