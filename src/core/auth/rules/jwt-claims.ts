import type { JWTPayload } from 'jose';

/** The words of a claim: an array of strings, or a string of words separated by spaces (OAuth's `scope`). */
function claimWords(value: unknown): string[] | null {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return null;
}

/** Whether a required claim is absent or lacks its value (equal to it, or containing it as one of its words). */
export function missingClaim(payload: JWTPayload, required: Readonly<Record<string, string>>): boolean {
  for (const [name, want] of Object.entries(required)) {
    const have = payload[name];
    if (have === want || ((typeof have === 'number' || typeof have === 'boolean') && String(have) === want)) continue;
    if (claimWords(have)?.includes(want)) continue;
    return true;
  }
  return false;
}

/** The layer names a token's layers claim permits; null when the claim is missing or not names. */
export function claimedLayers(payload: JWTPayload, claim: string): string[] | null {
  return claimWords(payload[claim]);
}
