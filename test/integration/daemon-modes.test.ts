// The daemon's development (--reload) and MultiMapProxy modes, with 2 real workers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Daemon, debugConfig, freePort, request } from './daemon-support.js';

const dirs: string[] = [];
const daemons: Daemon[] = [];
after(() => {
  daemons.forEach((d) => d.kill());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'daemon-modes-'));
  dirs.push(d);
  return d;
}

/** Rewrite a file so that its mtime surely changes (coarse file system clocks). */
function rewrite(file: string, text: string, bump: number): void {
  writeFileSync(file, text);
  const t = Date.now() / 1000 + bump;
  utimesSync(file, t, t);
}

async function started(args: string[]): Promise<{ daemon: Daemon; port: number }> {
  const port = await freePort();
  const daemon = new Daemon([...args, '--workers', '2', '--bind', `127.0.0.1:${port}`]);
  daemons.push(daemon);
  for (let i = 0; i < 2; i++) await daemon.waitFor(new RegExp(`worker ${i} \\(pid \\d+\\) ready`));
  return { daemon, port };
}

/** Ask until `check` holds on every worker's answer or the time is up (each worker reloads on its own). */
async function eventually(port: number, path: string, check: (body: string) => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  let ok = 0;
  while (Date.now() < deadline) {
    const res = await request(port, path);
    ok = check(res.body.toString()) ? ok + 1 : 0;
    if (ok >= 10) return; // ten fresh connections in a row, spread over both workers
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${path} did not change in time`);
}

const CAPS = '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1';

describe('daemon modes', () => {
  it('serve --reload picks up an edited configuration in every worker, and keeps serving a broken one', async () => {
    const dir = tempDir();
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, debugConfig(join(dir, 'cache'), 'First title'));
    const { daemon, port } = await started(['serve', file, '--reload']);
    assert.match((await request(port, CAPS)).body.toString(), /First title/);

    rewrite(file, debugConfig(join(dir, 'cache'), 'Second title'), 5);
    await eventually(port, CAPS, (b) => b.includes('Second title'));

    rewrite(file, debugConfig(join(dir, 'cache'), 'Broken').replace('grids: [GLOBAL_WEBMERCATOR]', 'grids: [NO_SUCH_GRID]'), 10);
    // Workers look at the files before a request: the broken file is read and reported, and the
    // previous configuration goes on answering.
    for (let i = 0; i < 20; i++) {
      const res = await request(port, CAPS);
      assert.equal(res.status, 200);
      assert.match(res.body.toString(), /Second title/);
      await new Promise((r) => setTimeout(r, 100));
    }
    await daemon.waitFor(/NO_SUCH_GRID/, 5_000);
  });

  it('serve-multiapp serves two configurations under their names, lists them and picks up an edit', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'proj1.yaml'), debugConfig(join(dir, 'cache1'), 'Project one'));
    writeFileSync(join(dir, 'proj2.yaml'), debugConfig(join(dir, 'cache2'), 'Project two'));
    const { port } = await started(['serve-multiapp', dir, '--allow-listing']);

    const index = (await request(port, '/')).body.toString();
    assert.match(index, /proj1/);
    assert.match(index, /proj2/);

    const caps1 = (await request(port, `/proj1${CAPS}`)).body.toString();
    assert.match(caps1, /Project one/);
    assert.match(caps1, new RegExp(`http://127\\.0\\.0\\.1:${port}/proj1/service\\?`));
    assert.match((await request(port, `/proj2${CAPS}`)).body.toString(), /Project two/);
    const tile = await request(port, '/proj2/tms/1.0.0/dbg/EPSG3857/1/0/0.png');
    assert.equal(tile.status, 200);
    assert.equal(tile.headers['content-type'], 'image/png');
    assert.equal((await request(port, '/nope/service?SERVICE=WMS')).status, 404);

    rewrite(join(dir, 'proj1.yaml'), debugConfig(join(dir, 'cache1'), 'Project one, edited'), 5);
    await eventually(port, `/proj1${CAPS}`, (b) => b.includes('Project one, edited'));
  });
});
