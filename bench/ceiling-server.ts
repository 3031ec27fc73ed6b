// The ceiling for cached tile hits: a bare uWebSockets.js static file server, one process per worker
// (node:cluster, SO_REUSEPORT as in the daemon), serving the seeded tile files under the same TMS and
// WMTS REST URLs as mapproxy-ts. It does nothing but map the URL to a file and send its bytes, so no
// tile server on Node can be faster on the same machine.
//
//   node --import tsx bench/ceiling-server.ts --dir <tiles> --port <port> --workers <n>
import cluster from 'node:cluster';
import { readFile } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadNativeUws } from '../src/worker/adapters/uws-native.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, port: { type: 'string' }, workers: { type: 'string', default: '1' } } });
if (!values.dir || !values.port) {
  console.error('usage: ceiling-server.ts --dir <tile dir in tms layout> --port <port> [--workers n]');
  process.exit(2);
}
const dir = values.dir;
const port = Number(values.port);
const workers = Number(values.workers);

// /tms/1.0.0/<layer>/<grid>/z/x/y.png counts y from the bottom and, as MapProxy's TMS does for the
// global-mercator profile, z from the grid's second level; the files (and WMTS) count y from the top.
const TMS = /^\/tms\/1\.0\.0\/[^/]+\/[^/]+\/(\d+)\/(\d+)\/(\d+)\.png$/;
const WMTS = /^\/wmts\/[^/]+\/[^/]+\/(\d+)\/(\d+)\/(\d+)\.png$/;

function filePath(url: string): string | null {
  let m = TMS.exec(url);
  if (m) {
    const z = Number(m[1]) + 1;
    return `${dir}/${z}/${m[2]}/${2 ** z - 1 - Number(m[3])}.png`;
  }
  m = WMTS.exec(url);
  return m ? `${dir}/${m[1]}/${m[2]}/${m[3]}.png` : null;
}

function serve(): void {
  const uws = loadNativeUws();
  uws.App()
    .any('/*', (res, req) => {
      const path = filePath(req.getUrl());
      if (!path) {
        res.writeStatus('404 Not Found').end('not found');
        return;
      }
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      readFile(path, (err, data) => {
        if (aborted) return;
        res.cork(() => {
          if (err) res.writeStatus('404 Not Found').end('not found');
          else res.writeHeader('Content-Type', 'image/png').end(data);
        });
      });
    })
    .listen('127.0.0.1', port, (socket) => {
      if (!socket) {
        console.error(`ceiling: cannot listen on 127.0.0.1:${port}`);
        process.exit(1);
      }
    });
}

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', () => process.exit(1));
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGKILL');
    process.exit(0);
  });
} else {
  serve();
}
