import type { Size } from '../geo/bbox.js';
import { blankImage } from '../image/blank.js';
import { ImageResult } from '../image/image.js';

/** One `on_error` entry: `response` colour (RGB, or RGBA with alpha 0..255) or transparent, `cache`, `authorize_stale`. */
export interface OnErrorResponse {
  /** 'transparent' or a colour; 3 components are opaque. */
  color: 'transparent' | readonly [number, number, number] | readonly [number, number, number, number];
  cacheable?: boolean;
  authorizeStale?: boolean;
}

/** Keys are HTTP status codes or 'other' (timeouts, connection errors, non-image answers). */
export type OnErrorConfig = Readonly<{ [status: number]: OnErrorResponse; other?: OnErrorResponse }>;

/** Turns failed upstream requests into single-colour images, as MapProxy's HTTPSourceErrorHandler. */
export class OnErrorHandler {
  constructor(private readonly config: OnErrorConfig) {}

  /** The image for a failure with this status (undefined: no HTTP status), or null when not configured. */
  handle(status: number | undefined, size: Size): ImageResult | null {
    const entry = (status !== undefined ? this.config[status] : undefined) ?? this.config.other;
    if (!entry) return null;
    let rgb: readonly [number, number, number];
    let alpha: number;
    if (entry.color === 'transparent') {
      rgb = [255, 255, 255];
      alpha = 0;
    } else {
      rgb = [entry.color[0], entry.color[1], entry.color[2]];
      alpha = entry.color.length === 4 ? entry.color[3]! : 255;
    }
    const transparent = entry.color === 'transparent' || entry.color.length === 4;
    const raw = blankImage(size, { bgcolor: rgb, transparent: alpha === 0 });
    if (alpha !== 0 && alpha !== 255) for (let i = 3; i < raw.data.length; i += 4) raw.data[i] = alpha;
    return ImageResult.fromRaw(raw, {
      transparent,
      cacheable: entry.cacheable ?? false,
      bgcolor: rgb,
      authorizeStale: entry.authorizeStale ?? false,
    });
  }
}
