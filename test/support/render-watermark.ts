// Run as a child process (node --import tsx test/support/render-watermark.ts <mapproxy.yaml> <cache>): fontconfig
// reads its configuration once per process, so each font_dir needs a process of its own. Loads the configuration,
// builds the seed runtime (which applies globals.image.font_dir before libvips loads) and prints the coverage of
// the cache's watermark on a transparent 256×256 tile (row 0: centred), one byte per pixel, in base64.
import { loadConfig } from '../../src/core/config/index.js';
import { buildSeedRuntime } from '../../src/core/seed/seed-runtime.js';
import { emptyRaw } from '../../src/core/image/raw-image.js';
import { TileWatermark } from '../../src/core/image/watermark.js';

const [file, cache] = process.argv.slice(2);
const loaded = loadConfig(file!);
for (const w of loaded.warnings) process.stderr.write(`${w}\n`);
const runtime = buildSeedRuntime(loaded);
const watermark = loaded.config.caches[cache!]?.watermark;
if (!watermark) throw new Error(`cache ${cache} has no watermark`);
const tile = emptyRaw(256, 256);
await new TileWatermark({ ...watermark, color: [0, 0, 0], opacity: 255 }).draw(tile, [0, 0, 2], true);
const alpha = Buffer.alloc(256 * 256);
for (let i = 0; i < alpha.length; i++) alpha[i] = tile.data[i * 4 + 3]!;
process.stdout.write(alpha.toString('base64'));
await runtime.close();
