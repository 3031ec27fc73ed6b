// How mapproxy-ts (and the ceiling server) are run: compiled to JavaScript with tsc, as `npm run build`
// deploys it (the default), or from the TypeScript sources through tsx's loader (`--tsx`), as `npm start`
// and bin/mapproxy-ts do. tsx's loader costs about 35 MB of RSS per process, so it shows in the RSS figures.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TSX } from './tsx.js';

export interface Runtime {
  readonly kind: 'compiled' | 'tsx';
  /** Node arguments before the script. */
  readonly nodeArgs: readonly string[];
  /** The CLI entry (`serve`, `seed`). */
  readonly cli: string;
  readonly ceiling: string;
}

export function tsxRuntime(repo: string): Runtime {
  return { kind: 'tsx', nodeArgs: ['--import', TSX], cli: join(repo, 'src/cli/main.ts'), ceiling: join(repo, 'bench/ceiling-server.ts') };
}

/** Compiles the project into bench/.build (inside the repository, so node_modules resolves). */
export function compiledRuntime(repo: string): Runtime {
  const out = join(repo, 'bench', '.build');
  rmSync(out, { recursive: true, force: true });
  // Type errors elsewhere in the tree do not stop tsc from emitting; a missing entry does stop the bench.
  const r = spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false', '--declaration', 'false'], { encoding: 'utf8' });
  const cli = join(out, 'src/cli/main.js');
  const ceiling = join(out, 'bench/ceiling-server.js');
  if (!existsSync(cli) || !existsSync(ceiling)) throw new Error(`tsc did not emit ${cli}:\n${r.stdout}${r.stderr}`);
  // src/core/client/http-client.ts reads the version from ../../../package.json, relative to itself.
  copyFileSync(join(repo, 'package.json'), join(out, 'package.json'));
  return { kind: 'compiled', nodeArgs: [], cli, ceiling };
}
