/** A layer's `md:` block as MapProxy publishes it in capabilities (WMS 1.3.0 extended metadata). */
export interface LayerMetadata {
  readonly abstract?: string;
  readonly keyword_list?: readonly { vocabulary?: string; keywords: readonly string[] }[];
  readonly attribution?: { title?: string; url?: string; logo?: { url: string; width?: number; height?: number; format?: string } };
  readonly identifier?: readonly { url?: string; name?: string; value?: string }[];
  readonly metadata?: readonly { url: string; type?: string; format?: string }[];
  readonly data?: readonly { url: string; format?: string }[];
  readonly feature_list?: readonly { url: string; format?: string }[];
  readonly [key: string]: unknown;
}
