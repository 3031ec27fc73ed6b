import { kernel } from './kernels.js';
import { onPool } from './pool.js';

/** MapProxy's `encoding_options.quantizer`: Pillow's FASTOCTREE (the default) or its median cut. */
export type Quantizer = 'fastoctree' | 'mediancut';

/** How the tiles of one image are quantized (kernels/quantize.h). */
export interface TileQuantizeOptions {
  /** Palette size, 1..256. */
  colors: number;
  quantizer: Quantizer;
  /** The target keeps transparency; without it pixels are flattened onto `background` first. */
  alpha: boolean;
  background: readonly [r: number, g: number, b: number];
}

/** A rectangle of the image, which may reach outside it (that part is transparent white). */
export interface TileRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One quantized tile: Pillow's palette (RGBA, 4 bytes an entry) and one index per pixel. */
export interface QuantizedTile {
  palette: Buffer;
  indices: Uint8Array;
}

type QuantizeTiles = (
  rgba: Uint8Array,
  width: number,
  height: number,
  rects: Int32Array,
  options: Int32Array,
  indices: Uint8Array,
  palettes: Uint8Array,
  entries: Int32Array,
  async: boolean,
) => Promise<void> | undefined;

const quantizeTilesKernel = kernel<QuantizeTiles>('quantizeTiles');

const PALETTE_BYTES = 1024;

interface Call {
  args: Parameters<QuantizeTiles>;
  finish: () => QuantizedTile[];
}

/** The tile rects as the kernels take them (Int32Array of x, y, width, height each), checked, with each tile's first index. */
export function packRects(tiles: readonly TileRect[]): { rects: Int32Array; offsets: number[]; total: number } {
  if (tiles.length === 0) throw new RangeError('quantize: no tiles');
  const rects = new Int32Array(tiles.length * 4);
  const offsets: number[] = [];
  let total = 0;
  tiles.forEach((t, i) => {
    for (const v of [t.x, t.y, t.width, t.height]) if (!Number.isInteger(v)) throw new RangeError(`quantize: tile ${i} has a non-integer rect`);
    if (t.width < 1 || t.height < 1) throw new RangeError(`quantize: tile ${i} is ${t.width}x${t.height}`);
    rects.set([t.x, t.y, t.width, t.height], i * 4);
    offsets.push(total);
    total += t.width * t.height;
  });
  return { rects, offsets, total };
}

/** The image, tile rects and options as the kernels take them, checked. */
function packInput(rgba: Uint8Array, width: number, height: number, tiles: readonly TileRect[], opts: TileQuantizeOptions) {
  if (rgba.length !== width * height * 4) throw new RangeError(`quantize: ${rgba.length} bytes for ${width}x${height} RGBA pixels`);
  return { ...packRects(tiles), options: quantizeOptionsArray(opts) };
}

/** The options as the kernels take them (kernels/quantize_args.h), checked. */
export function quantizeOptionsArray(opts: TileQuantizeOptions): Int32Array {
  if (!Number.isInteger(opts.colors) || opts.colors < 1 || opts.colors > 256) throw new RangeError(`quantize: colors ${opts.colors} is not 1..256`);
  const [r, g, b] = opts.background;
  return Int32Array.from([opts.colors, opts.quantizer === 'mediancut' ? 1 : 0, opts.alpha ? 1 : 0, r, g, b]);
}

function prepare(rgba: Uint8Array, width: number, height: number, tiles: readonly TileRect[], opts: TileQuantizeOptions, async: boolean): Call {
  const { rects, options, offsets, total } = packInput(rgba, width, height, tiles, opts);
  const indices = new Uint8Array(total);
  const palettes = Buffer.alloc(tiles.length * PALETTE_BYTES);
  const entries = new Int32Array(tiles.length);
  return {
    args: [rgba, width, height, rects, options, indices, palettes, entries, async],
    finish: () =>
      tiles.map((t, i) => ({
        palette: palettes.subarray(i * PALETTE_BYTES, i * PALETTE_BYTES + entries[i] * 4),
        indices: indices.subarray(offsets[i], offsets[i] + t.width * t.height),
      })),
  };
}

/** Quantizes each tile of an RGBA image on its own, as MapProxy quantizes each tile it stores. */
export function quantizeTilesSync(rgba: Uint8Array, width: number, height: number, tiles: readonly TileRect[], opts: TileQuantizeOptions): QuantizedTile[] {
  const call = prepare(rgba, width, height, tiles, opts, false);
  quantizeTilesKernel(...call.args);
  return call.finish();
}

/** quantizeTilesSync on the libuv pool: the event loop keeps answering while a meta tile is quantized. */
export async function quantizeTiles(rgba: Uint8Array, width: number, height: number, tiles: readonly TileRect[], opts: TileQuantizeOptions): Promise<QuantizedTile[]> {
  const call = prepare(rgba, width, height, tiles, opts, true);
  await quantizeTilesKernel(...call.args);
  return call.finish();
}

type QuantizeTilesPng = (
  rgba: Uint8Array,
  width: number,
  height: number,
  rects: Int32Array,
  options: Int32Array,
  async: boolean,
) => Promise<Buffer[]> | Buffer[];

const quantizeTilesPngKernel = kernel<QuantizeTilesPng>('quantizeTilesPng');

/**
 * Each tile quantized as quantizeTiles does and written as the paletted PNG MapProxy stores (kernels/png-indexed.h:
 * the bytes of png-encode.ts's encodeIndexedPng), in one native call: no indices or palettes come back to
 * JavaScript, only the files. On the libuv pool when the image is big (pool.ts), inline below that.
 */
export async function quantizeTilesPng(rgba: Uint8Array, width: number, height: number, tiles: readonly TileRect[], opts: TileQuantizeOptions): Promise<Buffer[]> {
  const { rects, options } = packInput(rgba, width, height, tiles, opts);
  return quantizeTilesPngKernel(rgba, width, height, rects, options, onPool(width * height));
}
