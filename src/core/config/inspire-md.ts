import { joinPath, MapReader } from './config-reader.js';
import { describeValue } from './errors.js';

/** A URL with the media type of what it points to (INSPIRE's resourceLocatorType). */
export interface InspireLocator {
  readonly url: string;
  readonly mediaType: string;
}

/** The dates of a citation, as written in the configuration (a YAML date prints as YYYY-MM-DD). */
export interface InspireDates {
  readonly dateOfPublication?: string;
  readonly dateOfCreation?: string;
  readonly dateOfLastRevision?: string;
}

export interface InspireConformity extends InspireDates {
  readonly title?: string;
  readonly uris: readonly string[];
  readonly resourceLocators: readonly InspireLocator[];
  readonly degree: string;
}

export interface InspireKeyword extends InspireDates {
  /** Title of the originating controlled vocabulary. */
  readonly title: string;
  readonly uris: readonly string[];
  readonly resourceLocators: readonly InspireLocator[];
  readonly keywordValue: string;
}

/** Scenario 1 of the INSPIRE view service guidance: the capabilities link to the service's metadata record. */
export interface InspireLinkedMetadata {
  readonly type: 'linked';
  readonly metadataUrl: InspireLocator;
  readonly defaultLanguage: string;
}

/** Scenario 2: the metadata elements WMS has no place for are written into the capabilities. */
export interface InspireEmbeddedMetadata {
  readonly type: 'embedded';
  readonly resourceLocators: readonly InspireLocator[];
  readonly temporalReference: InspireDates;
  readonly conformities: readonly InspireConformity[];
  readonly metadataPointsOfContact: readonly { readonly organisationName?: string; readonly email?: string }[];
  readonly mandatoryKeywords: readonly string[];
  readonly keywords: readonly InspireKeyword[];
  readonly metadataDate: string;
  readonly metadataUrl?: InspireLocator;
  readonly defaultLanguage: string;
}

/** `services.wms.inspire_md` (and, our extension, `services.wmts.inspire_md`). */
export type InspireMetadata = InspireLinkedMetadata | InspireEmbeddedMetadata;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A date as MapProxy prints what PyYAML read: a date alone as 2015-07-23, a date with time as Python's
 * str(datetime), '2015-07-23 10:30:00'. Quoted values stay as written.
 */
function dateText(r: MapReader, key: string): string | undefined {
  const v = r.get(key);
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) {
    const day = `${pad(v.getUTCFullYear(), 4)}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())}`;
    const ms = v.getUTCMilliseconds();
    if (v.getUTCHours() === 0 && v.getUTCMinutes() === 0 && v.getUTCSeconds() === 0 && ms === 0) return day;
    return `${day} ${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}:${pad(v.getUTCSeconds())}${ms ? `.${pad(ms * 1000, 6)}` : ''}`;
  }
  return r.str(key);
}

function dates(r: MapReader): InspireDates {
  const out: { -readonly [K in keyof InspireDates]: InspireDates[K] } = {};
  const publication = dateText(r, 'date_of_publication');
  const creation = dateText(r, 'date_of_creation');
  const revision = dateText(r, 'date_of_last_revision');
  if (publication !== undefined) out.dateOfPublication = publication;
  if (creation !== undefined) out.dateOfCreation = creation;
  if (revision !== undefined) out.dateOfLastRevision = revision;
  return out;
}

function mapItems<T>(r: MapReader, key: string, required: boolean, read: (item: MapReader) => T): T[] {
  const list = r.list(key);
  if (list === undefined) {
    if (required) throw r.error(key, 'missing required value (expected a list)');
    return [];
  }
  return list.map((item, i) => {
    const path = joinPath(r.keyPath(key), i);
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw r.ctx.error(path, `expected a mapping, got ${describeValue(item)}`);
    const ir = MapReader.of(r.ctx, path, item);
    const out = read(ir);
    ir.finish();
    return out;
  });
}

function locator(r: MapReader): InspireLocator {
  return { url: r.reqStr('url'), mediaType: r.reqStr('media_type') };
}

function locatorAt(r: MapReader, key: string, required: boolean): InspireLocator | undefined {
  const m = r.map(key);
  if (!m) {
    if (required) throw r.error(key, 'missing required value (expected url and media_type)');
    return undefined;
  }
  const out = locator(m);
  m.finish();
  return out;
}

function defaultLanguage(r: MapReader): string {
  const langs = r.map('languages');
  if (!langs) throw r.error('languages', 'missing required value (expected default: <ISO 639-2 code>)');
  const out = langs.reqStr('default');
  langs.finish();
  return out;
}

/**
 * Reads `inspire_md` with the keys and required values of MapProxy's configuration spec: a missing required
 * value is an error at its key, an unknown key a warning.
 */
export function readInspireMd(r: MapReader): InspireMetadata {
  const type = r.oneOf('type', ['linked', 'embedded'] as const);
  if (type === undefined) throw r.error('type', "missing required INSPIRE metadata type ('linked' or 'embedded')");
  let out: InspireMetadata;
  if (type === 'linked') {
    out = { type, metadataUrl: locatorAt(r, 'metadata_url', true)!, defaultLanguage: defaultLanguage(r) };
  } else {
    const temporal = r.map('temporal_reference');
    if (!temporal) throw r.error('temporal_reference', 'missing required value (expected date_of_publication, date_of_creation or date_of_last_revision)');
    const temporalReference = dates(temporal);
    temporal.finish();
    const metadataDate = dateText(r, 'metadata_date');
    if (metadataDate === undefined) throw r.error('metadata_date', 'missing required value (expected a date)');
    const mandatoryKeywords = r.strList('mandatory_keywords');
    if (!mandatoryKeywords) throw r.error('mandatory_keywords', 'missing required value (expected a list of keywords)');
    const metadataUrl = locatorAt(r, 'metadata_url', false);
    out = {
      type,
      resourceLocators: mapItems(r, 'resource_locators', true, locator),
      temporalReference,
      conformities: mapItems(r, 'conformities', true, (c) => {
        const title = c.str('title');
        return {
          ...(title !== undefined ? { title } : {}),
          ...dates(c),
          uris: c.strList('uris') ?? [],
          resourceLocators: mapItems(c, 'resource_locators', true, locator),
          degree: c.reqStr('degree'),
        };
      }),
      metadataPointsOfContact: mapItems(r, 'metadata_points_of_contact', true, (c) => {
        const organisationName = c.str('organisation_name');
        const email = c.str('email');
        return { ...(organisationName !== undefined ? { organisationName } : {}), ...(email !== undefined ? { email } : {}) };
      }),
      mandatoryKeywords,
      keywords: mapItems(r, 'keywords', false, (k) => ({
        title: k.reqStr('title'),
        ...dates(k),
        uris: k.strList('uris') ?? [],
        resourceLocators: mapItems(k, 'resource_locators', false, locator),
        keywordValue: k.reqStr('keyword_value'),
      })),
      metadataDate,
      ...(metadataUrl ? { metadataUrl } : {}),
      defaultLanguage: defaultLanguage(r),
    };
  }
  r.finish();
  return out;
}
