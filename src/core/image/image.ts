import type { Size } from '../geo/bbox.js';
import { decode, encode, isPalettedPng, quantizeOptions, type EncodeOptions } from './encode.js';
import type { ImageFormat } from './format.js';
import type { GeoReference } from './geotiff.js';
import { detectImageFormat, peekImageSize, pngMayHaveAlpha, type DetectedFormat } from './image-bytes.js';
import type { QuantizeOptions } from './quantize.js';
import { hasTransparency, type RawImage, type RGB } from './raw-image.js';

export interface ImageResultOptions {
  /** The image may have transparent parts (source/cache `transparent`, or a transparent request). */
  transparent?: boolean;
  /** False for images that must not be stored or served with cache headers (errors, blank fallbacks). */
  cacheable?: boolean;
  /** For GeoTIFF output. */
  georef?: GeoReference;
  /** Flatten colour for formats without alpha (default white). */
  bgcolor?: RGB;
  /** An on_error response that may be replaced by a stale cached tile (`authorize_stale`). */
  authorizeStale?: boolean;
  /** A stored tile served as it is (WMS-C): its time and stored size, for the tile caching headers. */
  tileInfo?: StoredTileInfo;
}

export interface StoredTileInfo {
  /** Seconds since the epoch; null from stores without times. */
  readonly timestamp: number | null;
  /** Bytes as stored. */
  readonly size: number;
}

/**
 * Pixels not drawn yet (a map from cached tiles): drawn as RGBA when someone needs them, or written straight to a
 * paletted PNG without ever becoming JavaScript memory, when that is all that is asked of them.
 */
export interface DeferredPixels {
  readonly size: Size;
  /** The pixels (called once, again only after a failure). */
  draw(): Promise<RawImage>;
  /** The bytes encode() gives for `draw()`'s pixels as a paletted PNG with these quantize options. */
  palettedPng(opts: QuantizeOptions): Promise<Buffer>;
}

/**
 * An image as encoded bytes and/or RGBA pixels, converted lazily and at most once (MapProxy's ImageSource).
 * Bytes already in the requested format are passed through untouched: cached tiles are never re-encoded.
 */
export class ImageResult {
  readonly transparent: boolean;
  cacheable: boolean;
  readonly georef?: GeoReference;
  readonly bgcolor?: RGB;
  readonly authorizeStale: boolean;
  readonly tileInfo?: StoredTileInfo;
  private readonly bytes?: Buffer;
  private readonly deferred?: DeferredPixels;
  private rawImage?: RawImage;
  private rawPromise?: Promise<RawImage>;
  private readonly encoded = new Map<string, Promise<Buffer>>();

  private constructor(bytes: Buffer | undefined, raw: RawImage | DeferredPixels | undefined, opts: ImageResultOptions) {
    this.bytes = bytes;
    if (raw && 'draw' in raw) this.deferred = raw;
    else this.rawImage = raw;
    this.transparent = opts.transparent ?? false;
    this.cacheable = opts.cacheable ?? true;
    this.authorizeStale = opts.authorizeStale ?? false;
    if (opts.georef) this.georef = opts.georef;
    if (opts.bgcolor) this.bgcolor = opts.bgcolor;
    if (opts.tileInfo) this.tileInfo = opts.tileInfo;
  }

  static fromEncoded(bytes: Buffer, opts: ImageResultOptions = {}): ImageResult {
    return new ImageResult(bytes, undefined, opts);
  }

  static fromRaw(raw: RawImage, opts: ImageResultOptions = {}): ImageResult {
    return new ImageResult(undefined, raw, opts);
  }

  /** Pixels drawn only when needed; a paletted PNG of them may be written without drawing them in JavaScript. */
  static fromDeferred(pixels: DeferredPixels, opts: ImageResultOptions = {}): ImageResult {
    return new ImageResult(undefined, pixels, opts);
  }

  /** The bytes this result was created from, if any. */
  get encodedBytes(): Buffer | undefined {
    return this.bytes;
  }

  /** The real format of the original bytes (magic number), null for raw-only results or unknown bytes. */
  get sourceFormat(): DetectedFormat | null {
    return this.bytes ? detectImageFormat(this.bytes) : null;
  }

  /** Pixel size without decoding when possible (header), else null until raw() was called. */
  get size(): Size | null {
    if (this.rawImage) return [this.rawImage.width, this.rawImage.height];
    if (this.deferred) return this.deferred.size;
    return this.bytes ? peekImageSize(this.bytes) : null;
  }

  get hasRaw(): boolean {
    return this.rawImage !== undefined;
  }

  /** Decoded RGBA pixels; decoded once, concurrent callers share the work. */
  raw(): Promise<RawImage> {
    if (this.rawImage) return Promise.resolve(this.rawImage);
    if (!this.rawPromise) {
      const bytes = this.bytes;
      const deferred = this.deferred;
      if (!bytes && !deferred) return Promise.reject(new Error('ImageResult has neither bytes nor pixels'));
      this.rawPromise = (bytes ? decode(bytes) : deferred!.draw()).then((raw) => {
        this.rawImage = raw;
        return raw;
      });
      // A failed decode may be retried by the next caller.
      this.rawPromise.catch(() => (this.rawPromise = undefined));
    }
    return this.rawPromise;
  }

  /** Encoded in `format`; the original bytes when they already are that format. */
  encode(format: ImageFormat, opts: EncodeOptions = {}): Promise<Buffer> {
    const key = formatKey(format, opts);
    let p = this.encoded.get(key);
    if (!p) {
      p = this.doEncode(format, opts);
      this.encoded.set(key, p);
      p.catch(() => this.encoded.delete(key));
    }
    return p;
  }

  private async doEncode(format: ImageFormat, opts: EncodeOptions): Promise<Buffer> {
    const encodeOpts: EncodeOptions = { ...opts };
    if (!encodeOpts.bgcolor && this.bgcolor) encodeOpts.bgcolor = this.bgcolor;
    if (!encodeOpts.georef && this.georef) encodeOpts.georef = this.georef;
    if (this.bytes) {
      const have = detectImageFormat(this.bytes);
      if (format.kind === 'mixed') {
        if (have === 'jpeg') return this.bytes;
        if (have === 'png') {
          const mayHaveAlpha = pngMayHaveAlpha(this.bytes);
          if (mayHaveAlpha !== false && hasTransparency(await this.raw())) return this.bytes;
        }
      } else if (format.kind === 'geotiff') {
        if (have === 'tiff' && !encodeOpts.georef) return this.bytes;
      } else if (have !== null && have === format.kind) {
        return this.bytes;
      }
    }
    // Undrawn pixels asked for as a paletted PNG only: drawn, quantized and written in one native call.
    if (this.deferred && !this.rawImage && !this.rawPromise && isPalettedPng(format)) {
      return this.deferred.palettedPng(quantizeOptions(format, encodeOpts));
    }
    return encode(await this.raw(), format, encodeOpts);
  }
}

function formatKey(f: ImageFormat, o: EncodeOptions): string {
  return [
    f.kind,
    f.mimeType,
    f.paletted ? f.colors : 0,
    f.mode ?? '',
    f.jpegQuality ?? '',
    f.transparent ?? '',
    f.tiffCompression ?? '',
    o.bgcolor?.join(',') ?? '',
    o.transparent ?? '',
    o.georef ? `${o.georef.epsg}:${o.georef.bbox.join(',')}` : '',
  ].join('|');
}
