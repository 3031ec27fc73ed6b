// Builds the native pixel kernels (binding.gyp → build/Release/pixel_kernels.node) with node-gyp.
// Run by `npm ci` / `npm install` (the package's install script) and by `npm run build:kernels`.
// Needs g++, make, python3 and libdeflate's headers and library (Debian: libdeflate-dev), and Node's headers
// (Debian's nodejs has them in /usr/include/node); no download.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const prefix = resolve(dirname(process.execPath), '..');
// The headers of the running Node: npm's `nodedir` setting, else the prefix Node was installed in.
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : '');
// npm hands scripts its bundled node-gyp; outside npm, use the one bundled with npm next to node.
const gyp =
  process.env.npm_config_node_gyp ||
  [join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find((p) => existsSync(p));
if (!gyp) fail('node-gyp was not found (it comes with npm)');

const args = [gyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : []), ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: resolve(dirname(new URL(import.meta.url).pathname), '..') });
if (r.status !== 0) fail(`node-gyp exited with ${r.status ?? r.signal}`);

function fail(why) {
  console.error(
    `\nmapproxy-ts: building the native pixel kernels failed: ${why}.\n` +
      'They are required (there is no JavaScript fallback). Install a C compiler, make, python3 and libdeflate\n' +
      '(Debian/Ubuntu: apt-get install g++ make python3 libdeflate-dev) and Node\'s headers, then run `npm rebuild` or\n' +
      '`npm ci` again.\n',
  );
  process.exit(1);
}
