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
  asked: Int32Array,
  onEarly: ((tiles: Buffer[]) => void) | null,
) => Promise<Buffer[] | false> | Buffer[] | false;

const metaTilesPngKernel = kernel<MetaTilesPng>('metaTilesPng');

const EMPTY = new Uint8Array(0);

/** A meta tile's tiles from one job: the asked ones as soon as they are written, then all. */
export interface StagedTilesPng {
  /**
   * The asked tiles' PNGs in the asked order, as soon as the job has written them (it goes on with the others);
   * null when the job does not take the PNG. Rejects as `all` when the job fails before they are written.
   */
  readonly asked: Promise<Buffer[] | null>;
  /** Every tile's PNG (the asked ones included), as metaTilesPng. */
  readonly all: Promise<Buffer[] | null>;
}

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
  return metaTilesPngStaged(png, width, height, tiles, opts, []).all;
}

/**
 * metaTilesPng with the tiles at the indices `asked` written first and handed out as soon as they are (the whole
 * PNG is decoded and checked before: a damaged one hands out none), while the same job writes the others. The
 * bytes are those of metaTilesPng. A job small enough to run inline hands out everything at once.
 */
export function metaTilesPngStaged(
  png: PngImageData, width: number, height: number, tiles: readonly TileRect[], opts: TileQuantizeOptions,
  asked: readonly number[],
): StagedTilesPng {
  const { header } = png;
  if (header.width !== width || header.height !== height) {
    return refused(new RangeError(`metaTilesPng: a ${header.width}x${header.height} PNG for a ${width}x${height} meta tile`));
  }
  if (asked.some((i) => !Number.isInteger(i) || i < 0 || i >= tiles.length) || new Set(asked).size !== asked.length) {
    return refused(new RangeError(`metaTilesPng: asked tiles ${asked.join(',')} are not distinct indices of ${tiles.length} rects`));
  }
  const { rects } = packRects(tiles);
  let early: ((tiles: Buffer[] | null) => void) | null = null;
  let failed: ((err: unknown) => void) | null = null;
  const askedTiles = new Promise<Buffer[] | null>((resolve, reject) => {
    early = resolve;
    failed = reject;
  });
  let all: Promise<Buffer[] | null>;
  try {
    all = Promise.resolve(
      metaTilesPngKernel(
        png.compressed, packedPngHeader(header), png.plte ?? EMPTY, png.trns ?? EMPTY, width, height, rects,
        quantizeOptionsArray(opts), onPool(width * height), Int32Array.from(asked), (t) => early?.(t),
      ),
    ).then((t) => t || null);
  } catch (err) {
    all = Promise.reject(err);
  }
  // a caller that only awaits `all` does not leave `asked` rejected unhandled
  askedTiles.catch(() => undefined);
  // Whatever settles first: the job may end before its early call reaches this thread (or never make it).
  all.then(
    (t) => early?.(t && asked.map((i) => t[i]!)),
    (err) => failed?.(err),
  );
  return { asked: askedTiles, all };
}

function refused(err: Error): StagedTilesPng {
  const asked = Promise.reject(err);
  asked.catch(() => undefined);
  return { asked, all: Promise.reject(err) };
}
