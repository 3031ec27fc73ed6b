import type { Redis, RedisOptions } from 'ioredis';

/** ioredis, loaded on first use: configurations and commands without Redis do not pay for it at start-up. */
let ioredis: Promise<typeof Redis> | undefined;

/** A connection to `url` (`redis://…` or `rediss://…`); ioredis reconnects on its own. */
export async function openRedis(url: string, opts: RedisOptions = {}): Promise<Redis> {
  const RedisClient = await (ioredis ??= import('ioredis').then((m) => m.Redis));
  const client = new RedisClient(url, opts);
  // failures surface through the commands that fail; ioredis would print unheard 'error' events itself
  client.on('error', () => {});
  return client;
}

/** The URL without its password, for logs and messages. */
export function redactedRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
