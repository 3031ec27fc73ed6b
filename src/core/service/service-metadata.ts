/** Service metadata (`services.<svc>.md`) as used by the capabilities documents of WMS, WMTS and TMS. */
export interface ContactMetadata {
  person?: string;
  position?: string;
  /** The key MapProxy's templates read; `organisation` (British spelling) is ignored there too. */
  organization?: string;
  address_type?: string;
  address?: string;
  city?: string;
  state?: string;
  postcode?: string;
  country?: string;
  phone?: string;
  fax?: string;
  email?: string;
}

export interface KeywordList {
  vocabulary?: string;
  keywords: string[];
}

export interface ServiceMetadata {
  title?: string;
  abstract?: string;
  online_resource?: string;
  fees?: string;
  access_constraints?: string;
  keyword_list?: KeywordList[];
  contact?: ContactMetadata;
}
