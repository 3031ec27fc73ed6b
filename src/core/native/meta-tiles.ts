import { kernel } from './kernels.js';
import { packedPngHeader, type PngHeader } from './png.js';
import { onPool } from './pool.js';
import { packRects, quantizeOptionsArray, type TileQuantizeOptions, type TileRect } from './quantize.js';

/** A PNG as far as its pixels go: the header, PLTE and tRNS, and the IDAT chunks' data in one piece. */
export interface PngImageData {
  header: PngHeader;
  plte: Uint8Array | null;
  trns: Uint8Array | null;
  compressed: Uint8Array;
}

type MetaTilesPng = (
  compressed: Uint8Array,
  header: Uint32Array,
  plte: Uint8Array,
  trns: Uint8Array,
  width: number,
  height: number,
  rects: Int32Array,
  options: Int32Array,
  async: boolean,
) => Promise<Buffer[] | false> | Buffer[] | false;

const metaTilesPngKernel = kernel<MetaTilesPng>('metaTilesPng');

const EMPTY = new Uint8Array(0);

/**
 * A meta tile's tiles from the source's PNG in one native job (kernels/meta_tiles.h): decoded into memory the pool
 * thread keeps, each tile quantized and written as quantizeTilesPng does. The decoded pixels never reach
 * JavaScript. Null when the image data stream does not inflate whole to the size the header declares (the caller
 * decodes it as usual, which says what is wrong); rejects for rows that do not decode. The PNG must be `width` ×
 * `height` pixels (a RangeError otherwise).
 */
export async function metaTilesPng(
  png: PngImageData, width: number, height: number, tiles: readonly TileRect[], opts: TileQuantizeOptions,
): Promise<Buffer[] | null> {
  const { header } = png;
  if (header.width !== width || header.height !== height) {
    throw new RangeError(`metaTilesPng: a ${header.width}x${header.height} PNG for a ${width}x${height} meta tile`);
  }
  const { rects } = packRects(tiles);
  const tilesPng = await metaTilesPngKernel(
    png.compressed, packedPngHeader(header), png.plte ?? EMPTY, png.trns ?? EMPTY, width, height, rects,
    quantizeOptionsArray(opts), onPool(width * height),
  );
  return tilesPng || null;
}
