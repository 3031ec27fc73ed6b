import type { TileCoord, TileGrid } from '../geo/grid.js';
import { getSRS } from '../geo/srs.js';

/**
 * The `tile_metadata` of a CouchDB cache (MapProxy's CouchDBMDTemplate): the keys every tile document carries
 * besides `_id` and the attachment. String values `{{...}}` are replaced per tile; every other value is copied as
 * configured. The document always has a `{{timestamp}}` key: when none is configured, `timestamp` is added, and
 * a tile's modification time is read back from that key.
 */
export const METADATA_PLACEHOLDERS = [
  '{{timestamp}}', '{{x}}', '{{y}}', '{{z}}', '{{level}}', '{{utc_iso}}', '{{tile_centroid}}', '{{wgs_tile_centroid}}',
] as const;

export type MetadataAttributes = Readonly<Record<string, unknown>>;

/** Per-tile values of a document, for a fixed moment. */
export interface MetadataContext {
  readonly grid: TileGrid;
  /** Milliseconds since the epoch: the document's creation time. */
  readonly nowMs: number;
}

export class CouchDBMetadataTemplate {
  readonly attributes: MetadataAttributes;
  /** The key holding the creation time (seconds since the epoch). */
  readonly timestampKey: string;

  /** Throws for a `{{...}}` value that is not a placeholder MapProxy knows. */
  constructor(attributes: MetadataAttributes) {
    const attrs: Record<string, unknown> = { ...attributes };
    for (const [key, value] of Object.entries(attrs)) {
      if (typeof value === 'string' && value.startsWith('{{') && !(METADATA_PLACEHOLDERS as readonly string[]).includes(value)) {
        throw new Error(`unknown tile_metadata value '${value}' for '${key}' (expected one of ${METADATA_PLACEHOLDERS.join(', ')})`);
      }
    }
    const configured = Object.keys(attrs).find((k) => attrs[k] === '{{timestamp}}');
    if (configured === undefined) attrs['timestamp'] = '{{timestamp}}';
    this.timestampKey = configured ?? 'timestamp';
    this.attributes = attrs;
  }

  /** The metadata of tile `coord`, keys in configured order (as MapProxy writes them). */
  doc(coord: TileCoord, ctx: MetadataContext): Record<string, unknown> {
    const doc: Record<string, unknown> = {};
    const [x, y, z] = coord;
    for (const [key, value] of Object.entries(this.attributes)) {
      if (typeof value !== 'string' || !value.startsWith('{{')) {
        doc[key] = value;
        continue;
      }
      switch (value) {
        case '{{timestamp}}':
          doc[key] = ctx.nowMs / 1000;
          break;
        case '{{x}}':
          doc[key] = x;
          break;
        case '{{y}}':
          doc[key] = y;
          break;
        case '{{z}}':
        case '{{level}}':
          doc[key] = z;
          break;
        case '{{utc_iso}}':
          doc[key] = utcIsoSeconds(ctx.nowMs);
          break;
        case '{{tile_centroid}}':
          doc[key] = tileCentroid(ctx.grid, coord);
          break;
        case '{{wgs_tile_centroid}}':
          doc[key] = ctx.grid.srs.transformTo(getSRS(4326), [tileCentroid(ctx.grid, coord)])[0];
          break;
      }
    }
    return doc;
  }
}

/** `2011-12-31T23:59:59Z`: the UTC time without fractions, as MapProxy's utc_now_isoformat. */
export function utcIsoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function tileCentroid(grid: TileGrid, coord: TileCoord): [number, number] {
  const [minx, miny, maxx, maxy] = grid.tileBBox(coord);
  return [minx + (maxx - minx) / 2, miny + (maxy - miny) / 2];
}
