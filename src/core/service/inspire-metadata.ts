import type { InspireDates, InspireLocator, InspireMetadata } from '../config/inspire-md.js';
import { escapeXml as x } from './xml-escape.js';

/** INSPIRE common elements (inspire_common). */
export const INSPIRE_COMMON_NS = 'http://inspire.ec.europa.eu/schemas/common/1.0';

/**
 * The view service schema that puts `inspire_vs:ExtendedCapabilities` into a document: for WMS 1.3.0 it
 * substitutes `wms:_ExtendedCapabilities`, for OWS 1.1 documents (WMTS) `ows:ExtendedCapabilities`.
 */
export const INSPIRE_VS = {
  wms: { ns: 'http://inspire.ec.europa.eu/schemas/inspire_vs/1.0', xsd: 'http://inspire.ec.europa.eu/schemas/inspire_vs/1.0/inspire_vs.xsd' },
  ows11: {
    ns: 'http://inspire.ec.europa.eu/schemas/inspire_vs_ows11/1.0',
    xsd: 'http://inspire.ec.europa.eu/schemas/inspire_vs_ows11/1.0/inspire_vs_ows_11.xsd',
  },
} as const;
export type InspireFlavour = keyof typeof INSPIRE_VS;

/** The namespace declarations for the root element, each followed by a space (as MapProxy's template). */
export function inspireNamespaces(flavour: InspireFlavour): string {
  return `xmlns:inspire_common="${INSPIRE_COMMON_NS}" xmlns:inspire_vs="${INSPIRE_VS[flavour].ns}" `;
}

/** The pair to append to xsi:schemaLocation, with its leading space. */
export function inspireSchemaLocation(flavour: InspireFlavour): string {
  return ` ${INSPIRE_VS[flavour].ns} ${INSPIRE_VS[flavour].xsd}`;
}

function locator(tag: string, l: InspireLocator): string[] {
  return [
    `<inspire_common:${tag}>`,
    `  <inspire_common:URL>${x(l.url)}</inspire_common:URL>`,
    `  <inspire_common:MediaType>${x(l.mediaType)}</inspire_common:MediaType>`,
    `</inspire_common:${tag}>`,
  ];
}

function dates(d: InspireDates): string[] {
  const out: string[] = [];
  if (d.dateOfPublication !== undefined) out.push(`<inspire_common:DateOfPublication>${x(d.dateOfPublication)}</inspire_common:DateOfPublication>`);
  if (d.dateOfCreation !== undefined) out.push(`<inspire_common:DateOfCreation>${x(d.dateOfCreation)}</inspire_common:DateOfCreation>`);
  if (d.dateOfLastRevision !== undefined) out.push(`<inspire_common:DateOfLastRevision>${x(d.dateOfLastRevision)}</inspire_common:DateOfLastRevision>`);
  return out;
}

const indent = (lines: string[], n = 2) => lines.map((l) => ' '.repeat(n) + l);

function languages(language: string): string[] {
  return [
    '<inspire_common:SupportedLanguages>',
    '  <inspire_common:DefaultLanguage>',
    `    <inspire_common:Language>${x(language)}</inspire_common:Language>`,
    '  </inspire_common:DefaultLanguage>',
    '</inspire_common:SupportedLanguages>',
    '<inspire_common:ResponseLanguage>',
    `  <inspire_common:Language>${x(language)}</inspire_common:Language>`,
    '</inspire_common:ResponseLanguage>',
  ];
}

/**
 * `<inspire_vs:ExtendedCapabilities>` with the elements and order of MapProxy's WMS 1.3.0 template: linked
 * metadata is the URL of the service's metadata record and the language; embedded metadata are the INSPIRE
 * elements WMS has no place for (resource locators, temporal reference, conformity, metadata point of contact
 * and date, service type `view`, keywords, languages and an optional metadata URL).
 */
export function inspireExtendedCapabilities(md: InspireMetadata): string[] {
  const body: string[] = [];
  if (md.type === 'linked') {
    body.push(...locator('MetadataUrl', md.metadataUrl), ...languages(md.defaultLanguage));
  } else {
    for (const l of md.resourceLocators) body.push(...locator('ResourceLocator', l));
    body.push('<inspire_common:ResourceType>service</inspire_common:ResourceType>');
    body.push('<inspire_common:TemporalReference>', ...indent(dates(md.temporalReference)), '</inspire_common:TemporalReference>');
    for (const c of md.conformities) {
      body.push(
        '<inspire_common:Conformity>',
        '  <inspire_common:Specification>',
        `    <inspire_common:Title>${x(c.title ?? '')}</inspire_common:Title>`,
        ...indent(dates(c), 4),
        ...c.uris.map((u) => `    <inspire_common:URI>${x(u)}</inspire_common:URI>`),
        ...indent(c.resourceLocators.flatMap((l) => locator('ResourceLocator', l)), 4),
        '  </inspire_common:Specification>',
        `  <inspire_common:Degree>${x(c.degree)}</inspire_common:Degree>`,
        '</inspire_common:Conformity>',
      );
    }
    for (const c of md.metadataPointsOfContact) {
      body.push(
        '<inspire_common:MetadataPointOfContact>',
        `  <inspire_common:OrganisationName>${x(c.organisationName ?? '')}</inspire_common:OrganisationName>`,
        `  <inspire_common:EmailAddress>${x(c.email ?? '')}</inspire_common:EmailAddress>`,
        '</inspire_common:MetadataPointOfContact>',
      );
    }
    body.push(`<inspire_common:MetadataDate>${x(md.metadataDate)}</inspire_common:MetadataDate>`);
    body.push('<inspire_common:SpatialDataServiceType>view</inspire_common:SpatialDataServiceType>');
    for (const k of md.mandatoryKeywords) {
      body.push('<inspire_common:MandatoryKeyword>', `  <inspire_common:KeywordValue>${x(k)}</inspire_common:KeywordValue>`, '</inspire_common:MandatoryKeyword>');
    }
    for (const k of md.keywords) {
      body.push(
        '<inspire_common:Keyword>',
        '  <inspire_common:OriginatingControlledVocabulary>',
        `    <inspire_common:Title>${x(k.title)}</inspire_common:Title>`,
        ...indent(dates(k), 4),
        ...k.uris.map((u) => `    <inspire_common:URI>${x(u)}</inspire_common:URI>`),
        ...indent(k.resourceLocators.flatMap((l) => locator('ResourceLocator', l)), 4),
        '  </inspire_common:OriginatingControlledVocabulary>',
        `  <inspire_common:KeywordValue>${x(k.keywordValue)}</inspire_common:KeywordValue>`,
        '</inspire_common:Keyword>',
      );
    }
    body.push(...languages(md.defaultLanguage));
    if (md.metadataUrl) body.push(...locator('MetadataUrl', md.metadataUrl));
  }
  return ['<inspire_vs:ExtendedCapabilities>', ...indent(body), '</inspire_vs:ExtendedCapabilities>'];
}
