import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A set of API keys compared in constant time: each key is kept as its SHA-256 digest and a presented key is
 * digested and compared with every one, so neither the key's length nor how much of it matches shows in the time.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  matches(presented: string): boolean {
    const d = digest(presented);
    let found = false;
    for (const k of this.digests) found = timingSafeEqual(k, d) || found;
    return found;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
