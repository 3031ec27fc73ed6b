#!/usr/bin/env node
// Writes schema/mapproxy.schema.json and schema/seed.schema.json from src/cli/schema/config-schema.ts and
// seed-schema.ts (read through tsx in a checkout, else compiled in dist/). Run after changing a
// schema module; the unit tests fail while a published file and its module disagree.
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The sources where they are (a checkout: dist/ may be older than them), else the compiled package.
async function load(name) {
  const source = new URL(`../src/cli/schema/${name}.ts`, import.meta.url);
  if (existsSync(source)) {
    await import('tsx/esm');
    return import(source.href);
  }
  return import(new URL(`../dist/cli/schema/${name}.js`, import.meta.url).href);
}
const schemas = [
  ['mapproxy.schema.json', (await load('config-schema')).mapproxySchema()],
  ['seed.schema.json', (await load('seed-schema')).seedSchema()],
];
for (const [name, schema] of schemas) {
  const file = `${root}schema/${name}`;
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
