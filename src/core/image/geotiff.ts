import type { BBox } from '../geo/bbox.js';

/** Where an image lies on the earth, for GeoTIFF tags (MapProxy's GeoReference). */
export interface GeoReference {
  bbox: BBox;
  /** EPSG number of the bbox's SRS (900913 is written as is, as MapProxy does via get_epsg_num). */
  epsg: number;
  isLatLong: boolean;
}

const MODEL_PIXEL_SCALE = 33550;
const MODEL_TIEPOINT = 33922;
const GEO_KEY_DIRECTORY = 34735;
const TYPE_SHORT = 3;
const TYPE_DOUBLE = 12;

interface Entry {
  tag: number;
  raw: Buffer; // 12 bytes as they will be written
}

/**
 * Add GeoTIFF georeference tags to a classic (non-Big) TIFF: the first IFD is rewritten at the end of the
 * file with the three extra tags; everything the old IFD points to stays where it is.
 */
export function addGeoTiffTags(tiff: Buffer, size: readonly [number, number], georef: GeoReference): Buffer {
  const le = tiff[0] === 0x49;
  if (!(le || tiff[0] === 0x4d) || (le ? tiff.readUInt16LE(2) : tiff.readUInt16BE(2)) !== 42) {
    throw new Error('not a classic TIFF');
  }
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  const n = u16(ifd);
  const nextIfd = u32(ifd + 2 + n * 12);

  const [minx, miny, maxx, maxy] = georef.bbox;
  const scale = [(maxx - minx) / size[0], (maxy - miny) / size[1], 0];
  const tiepoint = [0, 0, 0, minx, maxy, 0];
  const geoKeys = [1, 1, 0, 4, 1024, 0, 1, georef.isLatLong ? 2 : 1, 1025, 0, 1, 1, 3072, 0, 1, georef.epsg];

  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const off = ifd + 2 + i * 12;
    const tag = u16(off);
    if (tag === MODEL_PIXEL_SCALE || tag === MODEL_TIEPOINT || tag === GEO_KEY_DIRECTORY) continue;
    entries.push({ tag, raw: tiff.subarray(off, off + 12) });
  }

  // Layout of the appended part: [pad][value data][IFD].
  const start = tiff.length + (tiff.length % 2);
  const values: Buffer[] = [];
  let cursor = start;
  const addValue = (tag: number, type: number, nums: number[]) => {
    const bytesPer = type === TYPE_DOUBLE ? 8 : 2;
    const buf = Buffer.alloc(nums.length * bytesPer);
    nums.forEach((v, i) => {
      if (type === TYPE_DOUBLE) le ? buf.writeDoubleLE(v, i * 8) : buf.writeDoubleBE(v, i * 8);
      else le ? buf.writeUInt16LE(v, i * 2) : buf.writeUInt16BE(v, i * 2);
    });
    const e = Buffer.alloc(12);
    w16(e, 0, tag, le);
    w16(e, 2, type, le);
    w32(e, 4, nums.length, le);
    w32(e, 8, cursor, le);
    values.push(buf);
    cursor += buf.length;
    entries.push({ tag, raw: e });
  };
  addValue(MODEL_PIXEL_SCALE, TYPE_DOUBLE, scale);
  addValue(MODEL_TIEPOINT, TYPE_DOUBLE, tiepoint);
  addValue(GEO_KEY_DIRECTORY, TYPE_SHORT, geoKeys);
  entries.sort((a, b) => a.tag - b.tag);

  const newIfdOffset = cursor;
  const ifdBuf = Buffer.alloc(2 + entries.length * 12 + 4);
  w16(ifdBuf, 0, entries.length, le);
  entries.forEach((e, i) => e.raw.copy(ifdBuf, 2 + i * 12));
  w32(ifdBuf, 2 + entries.length * 12, nextIfd, le);

  const out = Buffer.concat([tiff, Buffer.alloc(start - tiff.length), ...values, ifdBuf]);
  w32(out, 4, newIfdOffset, le);
  return out;
}

function w16(b: Buffer, o: number, v: number, le: boolean): void {
  le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o);
}
function w32(b: Buffer, o: number, v: number, le: boolean): void {
  le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o);
}

/** Read back the georeference tags (used by tests and by anyone checking a GeoTIFF answer). */
export function readGeoTiffTags(tiff: Buffer): { pixelScale: number[]; tiepoint: number[]; geoKeys: number[] } | null {
  const le = tiff[0] === 0x49;
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  const n = u16(ifd);
  const found: Record<number, number[]> = {};
  for (let i = 0; i < n; i++) {
    const off = ifd + 2 + i * 12;
    const tag = u16(off);
    if (tag !== MODEL_PIXEL_SCALE && tag !== MODEL_TIEPOINT && tag !== GEO_KEY_DIRECTORY) continue;
    const type = u16(off + 2);
    const count = u32(off + 4);
    const at = u32(off + 8);
    const vals: number[] = [];
    for (let k = 0; k < count; k++) {
      vals.push(type === TYPE_DOUBLE ? (le ? tiff.readDoubleLE(at + k * 8) : tiff.readDoubleBE(at + k * 8)) : u16(at + k * 2));
    }
    found[tag] = vals;
  }
  if (!found[MODEL_PIXEL_SCALE] || !found[MODEL_TIEPOINT] || !found[GEO_KEY_DIRECTORY]) return null;
  return { pixelScale: found[MODEL_PIXEL_SCALE], tiepoint: found[MODEL_TIEPOINT], geoKeys: found[GEO_KEY_DIRECTORY] };
}
