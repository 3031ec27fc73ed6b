// Writes a fuzzing corpus for the C harness (scripts/fuzz-kernels.sh): the valid sample PNGs, COUNT seeded
// mutations of them and COUNT/4 random non-PNG inputs (read by the harness as raw kernel arguments).
// usage: node --import tsx test/support/png-corpus.ts DIR COUNT [SEED]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutatePng, random } from './png-mutate.js';
import { pngSamples } from './png-samples.js';

const [dir, count = '2000', seed = '1'] = process.argv.slice(2);
if (!dir) throw new Error('usage: png-corpus.ts DIR COUNT [SEED]');
mkdirSync(dir, { recursive: true });
const seeds = pngSamples().map((s) => s.png);
seeds.forEach((png, i) => writeFileSync(join(dir, `valid-${i}.png`), png));
const rnd = random(Number(seed));
for (let i = 0; i < Number(count); i++) writeFileSync(join(dir, `mutated-${i}.png`), mutatePng(seeds[rnd(seeds.length)]!, rnd));
for (let i = 0; i < Number(count) / 4; i++) {
  const raw = Buffer.alloc(10 + rnd(4000));
  for (let k = 0; k < raw.length; k++) raw[k] = rnd(256);
  if (rnd(2)) raw.fill(0, 10 + rnd(raw.length - 10)); // long zero runs: filter type 0 rows, index 0
  writeFileSync(join(dir, `raw-${i}.bin`), raw);
}
console.log(`${dir}: ${seeds.length} valid, ${count} mutated PNGs, ${Math.floor(Number(count) / 4)} raw inputs`);
