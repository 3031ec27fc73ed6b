import { assertDemoAccess } from '../../auth/demo-access.js';
import type { CoreRequest, CoreResponse } from '../../http.js';
import { baseUrl, RequestParams } from '../../http.js';
import { getSRS } from '../../geo/srs.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import { namedLayers, type WmsLayer } from '../../layer/wms-layer.js';
import { notFound, serviceResponse } from '../response.js';
import type { Service } from '../service.js';
import { TileLayerIndex, type PublishedTileLayer } from '../tile/layer-index.js';
import { tileExtension } from '../tile/published-tile.js';
import { matrixId } from '../wmts/capabilities.js';
import { WmtsLayerSet } from '../wmts/layers.js';
import { DEFAULT_RESTFUL_FEATUREINFO_TEMPLATE, DEFAULT_RESTFUL_TEMPLATE } from '../wmts/options.js';
import { escapeXml as x } from '../xml-escape.js';
import type { DemoOptions } from './options.js';
import { page, viewer } from './pages.js';
import { DemoStaticFiles } from './static-files.js';
import { forwardedQuery, withForwarded } from './forwarded-query.js';
import { demoInfoFormat, wmsFeatureInfoJs, wmtsFeatureInfoJs } from './featureinfo-click.js';

const q = encodeURIComponent;

/** `/demo/`: an index of all published layers with OpenLayers viewers and links to the capabilities. */
export class DemoService implements Service {
  readonly names = ['demo'] as const;
  private readonly wmsLayers: Map<string, WmsLayer>;
  private readonly tms?: TileLayerIndex;
  private readonly wmts?: WmtsLayerSet;
  private readonly files = new DemoStaticFiles();

  constructor(private readonly opts: DemoOptions) {
    this.wmsLayers = opts.wms ? namedLayers(opts.wms.rootLayer) : new Map();
    if (opts.tms) this.tms = new TileLayerIndex(opts.tms.layers, opts.tms.useGridNames);
    if (opts.wmts) this.wmts = new WmtsLayerSet(opts.wmts.layers);
  }

  async handle(req: CoreRequest, path: string): Promise<CoreResponse> {
    const base = baseUrl(req);
    if (path === '/demo') return { status: 301, headers: { Location: `${base}/demo/`, 'Content-Type': 'text/plain' }, body: '' };
    const stat = /^\/demo\/static\/([\w.-]+)$/.exec(path);
    if (stat) {
      if (!this.files.has(stat[1]!)) return notFound();
      return { status: 200, headers: { 'Content-Type': this.files.contentType(stat[1]!), 'Cache-Control': 'public, max-age=86400' }, body: await this.files.read(stat[1]!) };
    }
    // static files are not confidential and are never asked about (MapProxy)
    await assertDemoAccess(req);
    if (path !== '/demo/') return notFound();
    const params = new RequestParams(req.query);
    const fwd = forwardedQuery(req.query);
    const html =
      (params.has('wms_layer') && this.wmsViewer(base, params, fwd)) ||
      (params.has('tms_layer') && this.tmsViewer(base, params, fwd)) ||
      (params.has('wmts_layer') && this.wmtsViewer(base, params, fwd)) ||
      this.index(base, fwd);
    return serviceResponse(html, { mimetype: 'text/html' });
  }

  private index(base: string, fwd: string): string {
    const parts: string[] = [];
    const link = (url: string) => x(withForwarded(url, fwd));
    if (this.opts.wms) {
      const rows = [...this.wmsLayers.values()].map((l) => {
        const links = this.opts.wms!.srs.map((s) => `<a href="${link(`?wms_layer=${q(l.name!)}&format=image%2Fpng&srs=${q(s)}`)}">${x(s)}</a>`).join(' ');
        return `<tr><td>${x(l.name!)}</td><td>${x(l.title)}</td><td>${links}</td></tr>`;
      });
      parts.push(
        `<h2>WMS</h2><p><a href="${link(`${base}/service?REQUEST=GetCapabilities&SERVICE=WMS`)}">WMS capabilities</a> ` +
          `(<a href="${link(`${base}/service?REQUEST=GetCapabilities&SERVICE=WMS&VERSION=1.1.1`)}">1.1.1</a>)</p>` +
          `<table><tr><th>Layer</th><th>Title</th><th>View (WMS 1.1.1)</th></tr>${rows.join('')}</table>`,
      );
    }
    if (this.wmts) {
      const caps = this.opts.wmts!.restful
        ? `${base}/wmts/1.0.0/WMTSCapabilities.xml`
        : `${base}/service?REQUEST=GetCapabilities&SERVICE=WMTS`;
      const rows = [...this.wmts.layers.values()].flatMap((wl) =>
        [...wl.byMatrixSet.keys()].map(
          (set) => `<tr><td>${x(wl.name)}</td><td>${x(wl.first.title)}</td><td><a href="${link(`?wmts_layer=${q(wl.name)}&matrix_set=${q(set)}`)}">${x(set)}</a></td></tr>`,
        ),
      );
      parts.push(`<h2>WMTS</h2><p><a href="${link(caps)}">WMTS capabilities</a></p><table><tr><th>Layer</th><th>Title</th><th>Matrix set</th></tr>${rows.join('')}</table>`);
    }
    if (this.tms) {
      const rows = this.tms.all.map(
        (p) => `<tr><td>${x(p.layer.name)}</td><td>${x(p.layer.title)}</td><td><a href="${link(`?tms_layer=${q(p.namePath[0])}&spec=${q(p.namePath[1])}`)}">${x(p.namePath[1])}</a></td></tr>`,
      );
      parts.push(`<h2>TMS</h2><p><a href="${link(`${base}/tms/1.0.0/`)}">TMS capabilities</a></p><table><tr><th>Layer</th><th>Title</th><th>Grid</th></tr>${rows.join('')}</table>`);
    }
    if (parts.length === 0) parts.push('<p>No services to show.</p>');
    return page('MapProxy-ts Demo', parts.join('\n'));
  }

  private wmsViewer(base: string, params: RequestParams, fwd: string): string | null {
    const layer = this.wmsLayers.get(params.get('wms_layer')!);
    if (!layer || !this.opts.wms) return null;
    const srs = params.get('srs') ?? this.opts.wms.srs[0]!;
    const format = params.get('format') ?? 'image/png';
    let extent;
    try {
      extent = layer.extent.bboxFor(getSRS(srs));
    } catch {
      return null;
    }
    const layerJs = `new ol.layer.Image({source: new ol.source.ImageWMS({url: ${JSON.stringify(withForwarded(`${base}/service?`, fwd))}, projection, params: {LAYERS: ${JSON.stringify(layer.name)}, FORMAT: ${JSON.stringify(format)}, VERSION: '1.1.1', TRANSPARENT: 'true'}, ratio: 1})})`;
    const infoFormat = layer.queryable ? demoInfoFormat(this.opts.wms.infoFormats ?? []) : undefined;
    const featureInfoJs = infoFormat && wmsFeatureInfoJs(infoFormat);
    return viewer(`WMS layer ${layer.name}`, { layerJs, srs, extent, units: getSRS(srs).isLatLong ? 'degrees' : 'm', backgroundUrl: this.opts.backgroundUrl, featureInfoJs }, `<p>SRS ${x(srs)}, format ${x(format)}</p>`);
  }

  private tmsViewer(base: string, params: RequestParams, fwd: string): string | null {
    const p: PublishedTileLayer | undefined = this.tms?.find(params.get('tms_layer')!, params.get('spec'));
    if (!p) return null;
    const grid = p.layer.grid;
    const sets = p.grid.tileSets;
    const published = sets.map(([, res]) => res);
    // Rows per published level, to turn OpenLayers' top-down rows into TMS bottom-up rows.
    const rows = sets.map(([order]) => {
      const internal = p.grid.internalTileCoord([0, 0, order], true);
      return internal ? grid.gridSize(internal[2])[1] : 0;
    });
    const b = p.grid.bbox;
    const url = `${base}/tms/1.0.0/${p.namePath.join('/')}/`;
    const layerJs = `new ol.layer.Tile({source: new ol.source.TileImage({projection, tileGrid: new ol.tilegrid.TileGrid({origin: [${b[0]}, ${b[3]}], resolutions: ${JSON.stringify(published)}, tileSize: ${JSON.stringify(grid.tileSize)}}), tileUrlFunction: (c) => ${JSON.stringify(url)} + c[0] + '/' + c[1] + '/' + (${JSON.stringify(rows)}[c[0]] - 1 - c[2]) + ${JSON.stringify(withForwarded(`.${tileExtension(p.layer.format)}`, fwd))}})})`;
    return viewer(`TMS layer ${p.layer.name}`, { layerJs, srs: grid.srs.code, extent: b, units: grid.srs.isLatLong ? 'degrees' : 'm', backgroundUrl: this.opts.backgroundUrl }, `<p>Grid ${x(p.namePath[1])}</p>`);
  }

  private wmtsViewer(base: string, params: RequestParams, fwd: string): string | null {
    const wl = this.wmts?.layers.get(params.get('wmts_layer')!);
    const setName = params.get('matrix_set') ?? (wl ? [...wl.byMatrixSet.keys()][0] : undefined);
    const set = setName ? wl?.byMatrixSet.get(setName) : undefined;
    if (!wl || !set || !this.opts.wmts) return null;
    const grid = set.layer.grid;
    const ids = grid.resolutions.map((_, i) => matrixId(i));
    const topLeft = grid.tileBBox(grid.originTile(0, 'nw'));
    const ext = tileExtension(set.layer.format);
    const template = (this.opts.wmts.restfulTemplate ?? DEFAULT_RESTFUL_TEMPLATE).replace('{Layer}', wl.name).replace('{TileMatrixSet}', setName!).replace('{Format}', ext);
    const source = this.opts.wmts.restful
      ? `url: ${JSON.stringify(withForwarded(`${base}/wmts${template}`, fwd))}, requestEncoding: 'REST'`
      : `url: ${JSON.stringify(withForwarded(`${base}/service?`, fwd))}, requestEncoding: 'KVP'`;
    const layerJs = `new ol.layer.Tile({source: new ol.source.WMTS({${source}, layer: ${JSON.stringify(wl.name)}, matrixSet: ${JSON.stringify(setName)}, format: ${JSON.stringify(`image/${ext}`)}, style: 'default', projection, tileGrid: new ol.tilegrid.WMTS({origin: [${topLeft[0]}, ${topLeft[3]}], resolutions: ${JSON.stringify(grid.resolutions)}, matrixIds: ${JSON.stringify(ids)}, tileSize: ${JSON.stringify(grid.tileSize)}})})})`;
    const featureInfoJs = this.wmtsFeatureInfo(base, fwd, set.layer, wl.name, setName!, ext);
    return viewer(`WMTS layer ${wl.name}`, { layerJs, srs: grid.srs.code, extent: grid.bbox, units: grid.srs.isLatLong ? 'degrees' : 'm', backgroundUrl: this.opts.backgroundUrl, featureInfoJs }, `<p>Matrix set ${x(setName!)}</p>`);
  }

  /** The WMTS viewer's click script, for a layer with feature info sources and an HTML or text info format. */
  private wmtsFeatureInfo(base: string, fwd: string, layer: TileLayer, name: string, setName: string, ext: string): string | undefined {
    const formats = this.opts.wmts?.infoFormats ?? [];
    const mimetype = demoInfoFormat(formats.map((f) => f.mimetype));
    const info = formats.find((f) => f.mimetype === mimetype);
    if (!info || !layer.infoSources?.length) return undefined;
    if (this.opts.wmts!.restful) {
      const template = (this.opts.wmts!.restfulFeatureinfoTemplate ?? DEFAULT_RESTFUL_FEATUREINFO_TEMPLATE).replace('{Layer}', name).replace('{TileMatrixSet}', setName);
      return wmtsFeatureInfoJs({ kind: 'rest', template: withForwarded(`${base}/wmts${template}`, fwd), suffix: info.suffix });
    }
    return wmtsFeatureInfoJs({ kind: 'kvp', url: withForwarded(`${base}/service?`, fwd), layer: name, matrixSet: setName, format: `image/${ext}`, mimetype: info.mimetype });
  }
}
