// Real OGC clients for integration tests: GDAL (gdalinfo, gdal_translate on WMS:/WMTS: datasets)
// and OWSLib (through /usr/bin/python3 and owslib_client.py). Everything runs as a child process
// with a private working/cache directory and no proxy for loopback addresses.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OWSLIB_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'owslib_client.py');
const PYTHON = '/usr/bin/python3';

export interface RunResult { code: number; stdout: Buffer; stderr: string }

function clientEnv(workDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost',
    GDAL_HTTP_TIMEOUT: '60',
    GDAL_DEFAULT_WMS_CACHE_PATH: join(workDir, 'gdalwmscache'),
    GDAL_ENABLE_WMS_CACHE: 'NO',
    CPL_DEBUG: 'OFF',
    PYTHONWARNINGS: 'ignore',
  };
}

/** Runs a client program in a fresh temporary directory; never rejects on a non-zero exit. */
export function runClient(cmd: string, args: string[], opts: { timeoutMs?: number; workDir?: string } = {}): Promise<RunResult> {
  const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'mapproxy-ts-client-'));
  return new Promise((resolve, reject) => {
    execFile(cmd, args, {
      cwd: workDir, env: clientEnv(workDir), encoding: 'buffer', maxBuffer: 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 120_000,
    }, (err, stdout, stderr) => {
      if (!opts.workDir) rmSync(workDir, { recursive: true, force: true });
      if (err && typeof err.code !== 'number') { reject(err); return; }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr: stderr.toString() });
    });
  });
}

export function gdalAvailable(): boolean { return existsSync('/usr/bin/gdalinfo') && existsSync('/usr/bin/gdal_translate'); }
export function owslibAvailable(): boolean { return existsSync('/usr/lib/python3/dist-packages/owslib'); }

// ---- GDAL ---------------------------------------------------------------------------------------

/** GDAL's JSON description of a dataset (`gdalinfo -json`); only the parts tests look at are typed. */
export interface GdalInfo {
  driverShortName: string;
  size: [number, number];
  coordinateSystem?: { wkt: string };
  geoTransform?: number[];
  metadata?: Record<string, Record<string, string>>;
  bands?: unknown[];
  [key: string]: unknown;
}

/** `gdalinfo -json <dsn>`; throws with GDAL's message when it cannot open the dataset. */
export async function gdalinfo(dsn: string, extraArgs: string[] = []): Promise<GdalInfo> {
  const r = await runClient('gdalinfo', ['-json', ...extraArgs, dsn]);
  if (r.code !== 0) throw new Error(`gdalinfo ${dsn} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout.toString()) as GdalInfo;
}

/** The SUBDATASETS of a multi-layer WMS/WMTS dataset, as { name (a GDAL dsn), desc }. */
export function subdatasets(info: GdalInfo): { name: string; desc: string }[] {
  const md = info.metadata?.SUBDATASETS ?? {};
  const out: { name: string; desc: string }[] = [];
  for (let i = 1; md[`SUBDATASET_${i}_NAME`] !== undefined; i++) {
    out.push({ name: md[`SUBDATASET_${i}_NAME`], desc: md[`SUBDATASET_${i}_DESC`] ?? '' });
  }
  return out;
}

/**
 * `gdal_translate` a (part of a) dataset to an image and return its bytes.
 * `args` are passed before the dsn, e.g. ['-outsize', '256', '256', '-projwin', ulx, uly, lrx, lry].
 */
export async function gdalTranslate(dsn: string, args: string[], format: 'PNG' | 'GTiff' | 'JPEG' = 'PNG'): Promise<Buffer> {
  const workDir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-gdal-'));
  try {
    const out = join(workDir, `out.${format === 'GTiff' ? 'tif' : format.toLowerCase()}`);
    const r = await runClient('gdal_translate', ['-q', '-of', format, ...args, dsn, out], { workDir });
    if (r.code !== 0 || !existsSync(out)) throw new Error(`gdal_translate ${dsn} failed (${r.code}): ${r.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** GDAL dsn for a WMS server's capabilities (lists layers as subdatasets). */
export function gdalWmsDsn(serviceUrl: string, version: '1.1.1' | '1.3.0' = '1.1.1'): string {
  const sep = serviceUrl.includes('?') ? '&' : '?';
  return `WMS:${serviceUrl}${sep}SERVICE=WMS&VERSION=${version}&REQUEST=GetCapabilities`;
}

/** GDAL dsn for one WMS layer in a given SRS and extent (what GDAL's subdatasets look like). */
export function gdalWmsLayerDsn(serviceUrl: string, version: '1.1.1' | '1.3.0', layer: string, srs: string,
  bbox: readonly number[], format = 'image/png'): string {
  const sep = serviceUrl.includes('?') ? '&' : '?';
  return `WMS:${serviceUrl}${sep}SERVICE=WMS&VERSION=${version}&REQUEST=GetMap&LAYERS=${layer}` +
    `&${version === '1.3.0' ? 'CRS' : 'SRS'}=${srs}&BBOX=${bbox.join(',')}&FORMAT=${format}`;
}

/** GDAL dsn for a WMTS layer: `WMTS:<caps url>,layer=…,tilematrixset=…`. */
export function gdalWmtsDsn(capsUrl: string, layer?: string, tileMatrixSet?: string): string {
  return `WMTS:${capsUrl}${layer ? `,layer=${layer}` : ''}${tileMatrixSet ? `,tilematrixset=${tileMatrixSet}` : ''}`;
}

// ---- OWSLib -------------------------------------------------------------------------------------

export interface OwsLibError { error: string; message: string }

export interface WmsCapabilitiesResult {
  version: string; title: string; abstract: string | null;
  layers: Record<string, { title: string; crs: string[]; bbox_wgs84: number[] | null; queryable: boolean }>;
  getmap_formats: string[]; getmap_urls: string[]; operations: string[];
}
export interface WmtsCapabilitiesResult {
  title: string; operations: string[];
  layers: Record<string, { title: string; formats: string[]; tilematrixsets: string[]; resource_urls: string[] }>;
  tilematrixsets: Record<string, { crs: string; matrices: { id: string; scale: number; top_left: number[];
    width: number; height: number; tile_width: number }[] }>;
}
export interface ImageResultJson { content_type: string | null; data: string; length: number }
export interface ClientImage { contentType: string | null; bytes: Buffer }

async function owslib<T>(request: Record<string, unknown>): Promise<T> {
  const r = await runClient(PYTHON, [OWSLIB_SCRIPT, JSON.stringify(request)]);
  if (r.code !== 0) throw new Error(`owslib ${String(request.op)} crashed (${r.code}): ${r.stderr}`);
  const result = JSON.parse(r.stdout.toString()) as T | OwsLibError;
  if (result && typeof result === 'object' && 'error' in result && 'message' in result) {
    throw new Error(`OWSLib ${String(request.op)}: ${result.error}: ${result.message}`);
  }
  return result as T;
}

const toImage = (r: ImageResultJson): ClientImage => ({ contentType: r.content_type, bytes: Buffer.from(r.data, 'base64') });

export const owslibClient = {
  wmsCapabilities: (url: string, version: '1.1.1' | '1.3.0') =>
    owslib<WmsCapabilitiesResult>({ op: 'wms_capabilities', url, version }),
  wmsGetMap: async (url: string, version: '1.1.1' | '1.3.0', q: { layers: string[]; srs: string; bbox: number[];
    size: [number, number]; format?: string; transparent?: boolean }) =>
    toImage(await owslib<ImageResultJson>({ op: 'wms_getmap', url, version, ...q })),
  wmtsCapabilities: (url: string) => owslib<WmtsCapabilitiesResult>({ op: 'wmts_capabilities', url }),
  wmtsGetTile: async (url: string, q: { layer: string; tilematrixset: string; tilematrix: string | number;
    row: number; column: number; format?: string }) =>
    toImage(await owslib<ImageResultJson>({ op: 'wmts_gettile', url, ...q })),
  /** The LegendURL of a layer's default style, fetched as a client does; `href` is the URL followed. */
  wmsLegend: async (url: string, version: '1.1.1' | '1.3.0', layer: string) => {
    const r = await owslib<ImageResultJson & { href: string }>({ op: 'wms_legend', url, version, layer });
    return { ...toImage(r), href: r.href };
  },
};
