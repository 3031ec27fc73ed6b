import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UWS from '@trufflesuite/uws-js-unofficial';
import { chooseUwsBuild, type UwsChoice, type UwsHost } from './uws-builds.js';

/** The API both builds share (the adapter uses nothing the older one lacks). */
export type Uws = typeof UWS;

export class UwsNotNativeError extends Error {
  override readonly name = 'UwsNotNativeError';
}

const require = createRequire(import.meta.url);

/** The installed version of a package, read from its package.json next to its resolved main file. */
function installedVersion(pkg: string): string | undefined {
  let main: string;
  try {
    main = require.resolve(pkg);
  } catch {
    return undefined;
  }
  for (let dir = dirname(main); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === pkg) return manifest.version ?? '0';
    } catch {
      // no package.json at this level
    }
  }
  return undefined;
}

let glibc: string | null | undefined;

/** glibc of this process, from Node's diagnostic report (costly: asked once, and only on Linux). */
function runtimeGlibc(): string | undefined {
  if (glibc === undefined) {
    // excludeNetwork is in Node 20.13+ (not in @types/node 20)
    const report = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean };
    const excluded = report.excludeNetwork;
    report.excludeNetwork = true; // the report would otherwise resolve host names of every socket
    try {
      const header = (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
      glibc = header?.glibcVersionRuntime ?? null;
    } finally {
      report.excludeNetwork = excluded;
    }
  }
  return glibc ?? undefined;
}

/** This process as the build choice sees it. */
export function currentHost(): UwsHost {
  const platform = `${process.platform}-${process.arch}`;
  return {
    nodeAbi: process.versions.modules,
    platform,
    get glibc() {
      return process.platform === 'linux' ? runtimeGlibc() : undefined;
    },
    installedVersion,
    forced: process.env.MAPPROXY_TS_UWS || undefined,
  };
}

let choice: UwsChoice | undefined;

/** The build this process uses (chosen once); throws NoUwsBuildError when none can load. */
export function uwsChoice(): UwsChoice {
  return (choice ??= chooseUwsBuild(currentHost()));
}

/** `package@version` of the build in use, or 'none' where none is installed that could load. */
export function describeUws(): string {
  try {
    const c = uwsChoice();
    return `${c.build.package}@${c.version}`;
  } catch {
    return 'none';
  }
}

/**
 * Loads the chosen uWebSockets.js build and insists on its native binary. The trufflesuite package, when its
 * `.node` file does not load (wrong Node ABI, too old a glibc) or UWS_USE_FALLBACK is set, quietly returns a slow
 * pure-JS imitation instead; serving on that would look fine and perform badly, so we refuse to start.
 */
export function loadNativeUws(): Uws {
  const { build } = uwsChoice();
  const uws = require(build.package) as Uws;
  const native = Object.keys(require.cache).some((id) => id.includes(build.package) && id.endsWith('.node'));
  if (!native) {
    throw new UwsNotNativeError(
      `the native uWebSockets.js binary (${build.package}) did not load for Node ${process.versions.node} ` +
        `(ABI ${process.versions.modules}, ${process.platform}-${process.arch})` +
        (process.env.UWS_USE_FALLBACK ? ' because UWS_USE_FALLBACK is set' : '') +
        `; refusing to serve on its slow JavaScript fallback. It needs glibc >= ${build.minGlibc} and Node ABI ${build.nodeAbis.join('/')}`,
    );
  }
  return uws;
}
