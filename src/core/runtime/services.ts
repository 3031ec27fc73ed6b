import type { ProxyConfig } from '../config/types.js';
import type { ImageGlobals } from '../image/format.js';
import type { TileLayer } from '../layer/tile-layer.js';
import type { WmsLayer } from '../layer/wms-layer.js';
import { DemoService } from '../service/demo/service.js';
import type { DemoOptions } from '../service/demo/options.js';
import { OwsService, type OwsHandler } from '../service/ows.js';
import type { Service } from '../service/service.js';
import { KmlService } from '../service/kml/service.js';
import { OgcapiService } from '../service/ogcapi/service.js';
import { ogcapiOptions } from './ogcapi-options.js';
import { TmsService } from '../service/tile/service.js';
import type { WmsServiceOptions } from '../service/wms/options.js';
import { WmsService } from '../service/wms/service.js';
import type { WmsVersion } from '../service/wms/version.js';
import { infoFormatMimeType } from '../service/wms/capabilities.js';
import { advertisedInfoTypes } from '../service/wms/info-formats.js';
import { WmtsKvpService, WmtsRestService } from '../service/wmts/service.js';
import { wmtsLegendUrls } from '../service/wmts/legend-urls.js';
import type { WmtsServiceOptions } from '../service/wmts/options.js';
import type { InfoType } from '../source/featureinfo-doc.js';
import { resolvedFormat } from './image-formats.js';
import { xsltTransformer } from './info-sources.js';

export interface PublishedLayers {
  readonly wmsRoot: WmsLayer | null;
  readonly tileLayers: readonly TileLayer[];
}

/** The enabled services, keyed by the first path segment they answer. */
export function buildServices(config: ProxyConfig, layers: PublishedLayers, imageGlobals: ImageGlobals): Map<string, Service> {
  const services = config.services;
  const maxTileAge = config.globals.tiles.expiresHours * 3600;
  const all: Service[] = [];
  const ows: OwsHandler[] = [];

  let wmsOpts: WmsServiceOptions | undefined;
  if (services.wms && layers.wmsRoot) {
    const wms = services.wms;
    wmsOpts = {
      rootLayer: layers.wmsRoot,
      md: wms.md,
      srs: wms.srs.map((s) => s.toUpperCase()),
      bboxSrs: wms.bboxSrs.map((b) => (b.bbox ? { srs: b.srs, bbox: b.bbox } : b.srs)),
      imageFormats: wms.imageFormats.map((f) => resolvedFormat(f, imageGlobals)),
      versions: (wms.versions ?? ['1.0.0', '1.1.0', '1.1.1', '1.3.0']) as WmsVersion[],
      maxOutputPixels: wms.maxOutputPixels,
      onSourceErrors: wms.onSourceErrors,
      strict: wms.strict,
      infoTypes: wms.featureinfoTypes,
      infoTransformers: new Map(
        Object.entries(wms.featureinfoXslt).map(([type, file]) => [
          type as InfoType,
          xsltTransformer(`services.wms.featureinfo_xslt.${type}`, file),
        ]),
      ),
      attribution: wms.attribution?.text ? { text: wms.attribution.text } : undefined,
      tileLayers: layers.tileLayers,
      maxTileAge,
      ...(wms.inspireMd ? { inspireMd: wms.inspireMd } : {}),
    };
    ows.push(new WmsService(wmsOpts));
  }

  let wmtsOpts: WmtsServiceOptions | undefined;
  if (services.wmts) {
    wmtsOpts = {
      layers: layers.tileLayers,
      md: services.wmts.md,
      restfulTemplate: services.wmts.restfulTemplate,
      restfulFeatureinfoTemplate: services.wmts.restfulFeatureinfoTemplate,
      infoFormats: services.wmts.featureinfoFormats,
      maxTileAge,
      legendUrls: new Map(config.namedLayers.filter((l) => l.name).map((l) => [l.name!, wmtsLegendUrls(l, services.wms ? (services.wms.versions ?? []) : null)])),
      ...(services.wmts.inspireMd ? { inspireMd: services.wmts.inspireMd } : {}),
    };
    if (services.wmts.kvp) ows.push(new WmtsKvpService(wmtsOpts));
    if (services.wmts.restful) all.push(new WmtsRestService(wmtsOpts));
  }
  all.push(new OwsService(ows));

  if (services.tms) {
    all.push(
      new TmsService({
        layers: layers.tileLayers,
        md: services.tms.md,
        useGridNames: services.tms.useGridNames,
        origin: services.tms.origin,
        maxTileAge,
      }),
    );
  }

  if (services.kml) {
    all.push(new KmlService({ layers: layers.tileLayers, useGridNames: services.kml.useGridNames, maxTileAge }));
  }

  if (services.demo) {
    const demo: DemoOptions = { backgroundUrl: services.demo.backgroundUrl ?? config.globals.background.url };
    if (wmsOpts) demo.wms = { rootLayer: wmsOpts.rootLayer, srs: wmsOpts.srs, imageFormats: wmsOpts.imageFormats.map((f) => f.mimeType), infoFormats: advertisedInfoTypes(wmsOpts).map((t) => infoFormatMimeType('1.1.1', t)) };
    if (services.tms) demo.tms = { layers: layers.tileLayers, useGridNames: services.tms.useGridNames };
    if (services.wmts) {
      demo.wmts = {
        layers: layers.tileLayers,
        restful: services.wmts.restful,
        kvp: services.wmts.kvp,
        restfulTemplate: services.wmts.restfulTemplate,
        restfulFeatureinfoTemplate: services.wmts.restfulFeatureinfoTemplate,
        infoFormats: services.wmts.featureinfoFormats,
      };
    }
    all.push(new DemoService(demo));
  }

  if (services.ogcapi && layers.wmsRoot) all.push(new OgcapiService(ogcapiOptions(config, services.ogcapi, layers.wmsRoot, layers.tileLayers, imageGlobals)));

  const routes = new Map<string, Service>();
  for (const service of all) for (const name of service.names) routes.set(name, service);
  return routes;
}
