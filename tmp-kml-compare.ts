import { createApp } from './src/core/app.js';
import { readFileSync } from 'node:fs';
const app = await createApp('/tmp/kmlref/mapproxy.yaml', { log: { warn() {}, error() {} } });
for (const p of readFileSync('/tmp/kmlref/paths.txt', 'utf8').trim().split('\n')) {
  const r = await app.handle({ method: 'GET', path: p, query: '', headers: { host: 'localhost' } });
  const h = Object.fromEntries(Object.entries(r.headers).filter(([k]) => !/access-control/i.test(k)));
  console.log('=====', p, r.status, JSON.stringify(h));
  const b = Buffer.isBuffer(r.body) ? r.body : Buffer.from(String(r.body));
  if (b[0] === 0x89 || b[0] === 0xff) console.log(`<image ${b.length} bytes>`); else console.log(b.toString());
}
