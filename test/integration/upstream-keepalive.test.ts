// Our upstream client against real lighttpd, Apache httpd and nginx with a 2 s keep-alive idle timeout:
// requests on pooled connections after pauses just below, at and just above that timeout never fail.
// Before, idle connections were kept for 30 s and a request written into a connection the server
// was closing failed with "other side closed".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { HttpClient, HTTPClientError } from '../../src/core/client/http-client.js';
import { HttpDispatchers } from '../../src/core/client/dispatchers.js';
import { freePort, removeDir, startApache, startLighttpd, startNginx, tempDir, type Running } from './deploy-support.js';

const IDLE_TIMEOUT_S = 2;
/** Pauses from well below to well past the servers' timeout (lighttpd checks idle connections once a second). */
const GAPS_MS = [
  500, 1000,
  ...Array.from({ length: 36 }, (_, i) => IDLE_TIMEOUT_S * 1000 - 300 + i * 40), // 1700 … 3100
  3500,
];
const ROUNDS = 2;
/** The image the servers serve as a static file. */
const TILE = await sharp({ create: { width: 256, height: 256, channels: 4, background: '#3366cc80' } }).png().toBuffer();

const SERVERS = [
  {
    name: 'lighttpd',
    start: (dir: string, port: number) => startLighttpd(dir, `server.max-keep-alive-idle = ${IDLE_TIMEOUT_S}\n`, port),
  },
  {
    name: 'Apache httpd',
    start: (dir: string, port: number) => startApache(dir, `DocumentRoot "${join(dir, 'htdocs')}"
<Directory "${join(dir, 'htdocs')}">
  Require all granted
</Directory>
KeepAlive On
KeepAliveTimeout ${IDLE_TIMEOUT_S}
MaxKeepAliveRequests 0
`, port),
  },
  {
    name: 'nginx',
    start: (dir: string, port: number) => startNginx(dir, `  server {
    listen 127.0.0.1:${port};
    root ${join(dir, 'htdocs')};
    keepalive_timeout ${IDLE_TIMEOUT_S}s;
    keepalive_requests 100000;
  }`, port),
  },
];

/** New upstream connections per port, from undici's own diagnostics. */
const connections = new Map<number, number>();
const onConnected = (message: unknown) => {
  const port = Number((message as { connectParams: { port: string | number } }).connectParams.port);
  connections.set(port, (connections.get(port) ?? 0) + 1);
};
diagnostics.subscribe('undici:client:connected', onConnected);
after(() => diagnostics.unsubscribe('undici:client:connected', onConnected));

/**
 * One pooled connection's life: a request, then ROUNDS times a pause of `gapMs` and another request.
 * Returns the failures.
 */
async function probe(url: string, gapMs: number): Promise<string[]> {
  const dispatchers = new HttpDispatchers();
  const client = new HttpClient({ dispatchers, hideErrorDetails: false, timeout: 10 });
  const failures: string[] = [];
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      if (round > 0) await sleep(gapMs);
      try {
        const res = await client.request(url);
        if (res.status !== 200 || !res.body.equals(TILE)) failures.push(`gap ${gapMs} ms: status ${res.status}, ${res.body.length} bytes`);
      } catch (err) {
        failures.push(`gap ${gapMs} ms: ${err instanceof HTTPClientError ? err.fullMessage : String(err)}`);
      }
    }
  } finally {
    await dispatchers.close();
  }
  return failures;
}

for (const server of SERVERS) {
  describe(`${server.name} with a ${IDLE_TIMEOUT_S} s keep-alive timeout as upstream`, () => {
    const dir = tempDir();
    let running: Running | undefined;
    let port = 0;

    before(async () => {
      mkdirSync(join(dir, 'htdocs'), { recursive: true });
      writeFileSync(join(dir, 'htdocs', 'tile.png'), TILE);
      port = await freePort();
      running = await server.start(dir, port);
    });

    after(async () => {
      await running?.stop();
      removeDir(dir);
    });

    test(`${GAPS_MS.length} connections, pauses of ${GAPS_MS[0]}–${GAPS_MS.at(-1)} ms: no request fails`, async () => {
      const url = `http://127.0.0.1:${port}/tile.png`;
      const failures = (await Promise.all(GAPS_MS.map((gap) => probe(url, gap)))).flat();
      assert.deepEqual(failures, []);
      // Keep-alive still works: the short pauses reuse their connection.
      const requests = GAPS_MS.length * (ROUNDS + 1);
      assert.ok((connections.get(port) ?? 0) < requests, `${connections.get(port)} connections for ${requests} requests`);
    });
  });
}
