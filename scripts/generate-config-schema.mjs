#!/usr/bin/env node
// Writes schema/mapproxy.schema.json from src/cli/schema/config-schema.ts (compiled to dist/ by `npm run build`,
// or read through tsx in a checkout). Run after changing the schema module; the unit test fails while the
// published file and the module disagree.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let mod;
try {
  mod = await import(new URL('../dist/cli/schema/config-schema.js', import.meta.url).href);
} catch {
  await import('tsx/esm');
  mod = await import(new URL('../src/cli/schema/config-schema.ts', import.meta.url).href);
}
const file = `${root}schema/mapproxy.schema.json`;
writeFileSync(file, `${JSON.stringify(mod.mapproxySchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
