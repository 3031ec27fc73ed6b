// The daemon's short-lived and many processes start from one file each instead of some 350 modules: after
// `tsc -p tsconfig.build.json` has written dist/, esbuild bundles our own sources behind the worker program
// (dist/worker/cluster-entry.js) and the master's configuration check (dist/master/settings-check.js) over the
// files tsc wrote there. Node's ESM loader spends most of a worker's start resolving, reading and linking module
// files (in a CPU profile of a worker starting on the default configuration, about ten times the samples of our
// own code), and every worker pays it at once. npm packages stay external (the native ones must, and the others keep their
// own loading and lazy imports as they are), except a few pure-JavaScript ones every worker loads (BUNDLED_PACKAGES).
//
// Modules dynamically imported (cache backends, FastCGI, the seeder's libraries) become chunks under
// dist/chunks/, so what a configuration does not use is still not loaded. Each module's `import.meta.url` is
// rewritten to the URL its own compiled file has in dist/, so paths computed from it (the package root, the
// worker program, the kernels' build) resolve as they do unbundled: every output file sits one folder below
// dist/, hence the "../".
//
//   node scripts/bundle-entries.mjs [--dist dist] [--metafile out.json]
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const dist = resolve(root, option('--dist', 'dist'));
const src = join(root, 'src');

/** The bundled programs, as paths below src/ and dist/. */
const ENTRIES = ['worker/cluster-entry', 'master/settings-check'];

/** Bundled in: pure JavaScript, no files of their own read at run time, loaded by every worker. */
const BUNDLED_PACKAGES = ['yaml', 'prom-client', 'tdigest', 'bintrees', '@opentelemetry/api', 'wkx'];

/** Every other dependency, and their subpaths, stays an import of the installed package. */
function externalPackages() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.devDependencies });
  return names.filter((n) => !BUNDLED_PACKAGES.includes(n)).flatMap((n) => [n, `${n}/*`]);
}

const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(src + '/')) return undefined;
      const compiled = relative(src, args.path).replace(/\.ts$/, '.js');
      const text = await readFile(args.path, 'utf8');
      const contents = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(`../${compiled}`)}, import.meta.url).href`);
      return { contents, loader: 'ts' };
    });
  },
};

// Chunk names carry a content hash: those of an earlier build would pile up.
await rm(join(dist, 'chunks'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRIES.map((e) => ({ in: join(src, `${e}.ts`), out: e })),
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // npm packages stay external, but for a few pure-JavaScript ones every worker loads at start whatever the
  // configuration: as files they are some 190 CommonJS modules that Node's ESM loader resolves and scans one by one.
  external: externalPackages(),
  // their require() of Node's own modules, in an ES module
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  sourcemap: true,
  allowOverwrite: true,
  logLevel: 'warning',
  metafile: Boolean(option('--metafile')),
  plugins: [ownImportMetaUrl],
});
if (result.metafile) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(option('--metafile'), JSON.stringify(result.metafile));
}
