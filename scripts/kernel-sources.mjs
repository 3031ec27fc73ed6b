// The C files of the pixel kernel library, for binding.gyp and the development/sanitizer builds: every .c in
// src/core/native/kernels except fuzz/test harnesses (files named *-fuzz.c or *-harness.c, which have a main()).
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'src/core/native/kernels');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.c') && !/-(fuzz|harness)\.c$/.test(f))
  .sort()
  .map((f) => relative(process.cwd(), join(dir, f)));
console.log(files.join(' '));
