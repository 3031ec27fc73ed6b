/** The WMS versions MapProxy implements, oldest first. */
export const WMS_VERSIONS = ['1.0.0', '1.1.0', '1.1.1', '1.3.0'] as const;
export type WmsVersion = (typeof WMS_VERSIONS)[number];

function parts(v: string): number[] | null {
  const p = v.split('.').map((x) => Number.parseInt(x, 10));
  return p.some((n) => Number.isNaN(n)) ? null : p;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The version to answer a request with (OGC version negotiation as MapProxy does it): no
 * version → the highest enabled; below/above the enabled range → the lowest/highest; otherwise
 * the highest enabled version not newer than the requested one (1.1.3 → 1.1.1).
 */
export function negotiateVersion(requested: string | undefined, enabled: readonly WmsVersion[]): WmsVersion {
  const supported = [...enabled].sort((a, b) => compare(parts(a)!, parts(b)!));
  if (supported.length === 0) throw new Error('no WMS versions enabled');
  const req = requested === undefined ? null : parts(requested);
  if (!req) return supported[supported.length - 1];
  if (compare(req, parts(supported[0])!) < 0) return supported[0];
  for (let i = supported.length - 1; i >= 0; i--) {
    if (compare(req, parts(supported[i])!) >= 0) return supported[i];
  }
  return supported[0];
}

export function isWmsVersion(v: string): v is WmsVersion {
  return (WMS_VERSIONS as readonly string[]).includes(v);
}
