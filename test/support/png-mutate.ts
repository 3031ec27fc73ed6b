// Hostile PNGs for fuzzing the decoder: valid files mutated the ways broken upstreams and damaged caches break
// them, with CRCs recomputed where a mutation would otherwise stop at the CRC check.
import { deflateSync, inflateSync } from 'node:zlib';
import { pngChunks, pngFromChunks, type Chunk } from './png-chunks.js';

/** A seeded generator (mulberry32): the same seed gives the same files. */
export function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

type Rng = (n: number) => number;

function bitFlips(png: Buffer, rnd: Rng): Buffer {
  const out = Buffer.from(png);
  for (let k = 1 + rnd(8); k > 0; k--) out[rnd(out.length)] ^= 1 << rnd(8);
  return out;
}

function truncated(png: Buffer, rnd: Rng): Buffer {
  return png.subarray(0, rnd(png.length));
}

/** A chunk's length field set to something else, CRC left alone (the file no longer parses as it was written). */
function chunkLength(png: Buffer, rnd: Rng): Buffer {
  const out = Buffer.from(png);
  const starts: number[] = [];
  for (let pos = 8; pos + 8 <= out.length; pos += 12 + out.readUInt32BE(pos)) starts.push(pos);
  const pos = starts[rnd(starts.length)]!;
  const len = out.readUInt32BE(pos);
  const choices = [0, len + 1, Math.max(0, len - 1), len + 1 + rnd(100), 0x7fffffff, 0xffffffff, rnd(2 ** 32)];
  out.writeUInt32BE(choices[rnd(choices.length)]!, pos);
  return out;
}

/** Edits the chunks themselves; the file is rebuilt with correct CRCs. */
function chunkEdit(png: Buffer, rnd: Rng): Buffer {
  const chunks: Chunk[] = pngChunks(png).map((c) => ({ type: c.type, data: Buffer.from(c.data) }));
  const find = (type: string) => chunks.find((c) => c.type === type);
  const ihdr = find('IHDR')!.data;
  switch (rnd(9)) {
    case 0: { // huge or odd sizes
      const sizes = [0, 1, 2, 7, 255, 65535, 65536, 100000, 0x7fffffff, 0x80000000, 0xffffffff, rnd(2 ** 32)];
      ihdr.writeUInt32BE(sizes[rnd(sizes.length)]!, rnd(2) * 4);
      break;
    }
    case 1: // depth, colour type, compression, filter and interlace methods
      ihdr[8 + rnd(5)] = [0, 1, 2, 3, 4, 5, 6, 8, 16, 255][rnd(10)]!;
      break;
    case 2: { // the palette cut, emptied, overlong or gone
      const plte = find('PLTE');
      const len = [0, 1, 3, 6, 767, 768, 771, 3 * (1 + rnd(300))][rnd(8)]!;
      if (plte && rnd(4) === 0) chunks.splice(chunks.indexOf(plte), 1);
      else if (plte) plte.data = Buffer.concat([plte.data, Buffer.alloc(len)]).subarray(0, len);
      else chunks.splice(1, 0, { type: 'PLTE', data: Buffer.alloc(len, 7) });
      break;
    }
    case 3: { // tRNS of every wrong length
      const trns = { type: 'tRNS', data: Buffer.alloc([0, 1, 2, 5, 6, 7, 255, 256, 257][rnd(9)]!, rnd(256)) };
      const at = chunks.findIndex((c) => c.type === 'tRNS' || c.type === 'IDAT');
      chunks.splice(at, chunks[at]!.type === 'tRNS' ? 1 : 0, trns);
      break;
    }
    case 4: // filter bytes and pixel data changed inside the compressed stream
    case 5: {
      const idats = chunks.filter((c) => c.type === 'IDAT');
      let data: Buffer;
      try {
        data = inflateSync(Buffer.concat(idats.map((c) => c.data)));
      } catch {
        return bitFlips(png, rnd);
      }
      for (let k = 1 + rnd(6); k > 0 && data.length; k--) data[rnd(data.length)] = rnd(2) ? rnd(256) : 5 + rnd(3);
      if (rnd(3) === 0) data = data.subarray(0, rnd(data.length + 1)); // too little data, still a valid stream
      if (rnd(5) === 0) data = Buffer.concat([data, Buffer.alloc(rnd(100000))]); // too much
      const first = chunks.indexOf(idats[0]!);
      for (const c of idats) chunks.splice(chunks.indexOf(c), 1);
      chunks.splice(first, 0, { type: 'IDAT', data: deflateSync(data) });
      break;
    }
    case 6: // chunks dropped, duplicated or moved
      if (chunks.length > 1) {
        const i = rnd(chunks.length);
        const j = rnd(chunks.length);
        if (rnd(2)) chunks.splice(i, 1);
        else chunks.splice(j, 0, chunks[i]!);
      }
      break;
    case 7: // image data split into pieces, some empty
      {
        const idat = chunks.findIndex((c) => c.type === 'IDAT');
        const d = chunks[idat]!.data;
        const cut = rnd(d.length + 1);
        chunks.splice(idat, 1, { type: 'IDAT', data: d.subarray(0, cut) }, { type: 'IDAT', data: Buffer.alloc(0) }, { type: 'IDAT', data: d.subarray(cut) });
      }
      break;
    default: // the header describes another format than the data
      ihdr[9] = [0, 2, 3, 4, 6][rnd(5)]!;
      ihdr[8] = [1, 2, 4, 8, 16][rnd(5)]!;
      ihdr[12] = rnd(2);
  }
  return pngFromChunks(chunks);
}

const MUTATIONS = [bitFlips, truncated, chunkLength, chunkEdit, chunkEdit, chunkEdit];

/** One mutation (sometimes two) of a valid PNG. */
export function mutatePng(png: Buffer, rnd: Rng): Buffer {
  let out = MUTATIONS[rnd(MUTATIONS.length)]!(png, rnd);
  if (rnd(4) === 0 && out.length > 8) {
    try {
      out = MUTATIONS[rnd(MUTATIONS.length)]!(out, rnd);
    } catch {
      // the first mutation left a file that pngChunks cannot take apart: keep it as it is
    }
  }
  return out;
}
