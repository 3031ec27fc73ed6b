/**
 * The uWebSockets.js builds a worker can serve on, and the choice among them. The official uWS.js is not on npm;
 * two trustworthy repackagings are:
 *
 * - `@btc-vision/uwebsockets.js` (uWS.js v20.5x): binaries for Node 20, 22, 24 and 25, built against glibc 2.38
 *   (Debian 13, Ubuntu 24.04 and later). It is the one that lets the daemon leave Node 20, past its end of life.
 * - `@trufflesuite/uws-js-unofficial` (uWS.js v20.30): Node 16, 18 and 20 only, glibc 2.27 (Debian 10 and later).
 *   When its binary does not load it quietly returns a slow JavaScript imitation; uws-native.ts refuses that.
 *
 * The newer build goes first wherever it can load: the host's glibc, the Node ABI and the platform decide before
 * anything is required, so a build that cannot load is never tried (a failed dlopen of a too-new binary is only
 * an error message, but the trufflesuite fallback would be a silent slowdown). MAPPROXY_TS_UWS names one package
 * to use instead, for tests and for an operator who wants the older build.
 */
export interface UwsBuild {
  /** The npm package. */
  package: string;
  /** `process.versions.modules` values it has a binary for. */
  nodeAbis: readonly string[];
  /** `${process.platform}-${process.arch}` it has a Linux/macOS/Windows binary for. */
  platforms: readonly string[];
  /** Lowest glibc its Linux binaries load on (their highest GLIBC_x symbol version, from `objdump -T`). */
  minGlibc: string;
}

export const UWS_BUILDS: readonly UwsBuild[] = [
  {
    package: '@btc-vision/uwebsockets.js',
    nodeAbis: ['115', '127', '137', '141'], // Node 20, 22, 24, 25
    platforms: ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'],
    minGlibc: '2.38',
  },
  {
    package: '@trufflesuite/uws-js-unofficial',
    nodeAbis: ['93', '108', '115'], // Node 16, 18, 20
    platforms: ['linux-x64', 'linux-arm64', 'linux-arm', 'darwin-x64', 'darwin-arm64', 'win32-x64'],
    minGlibc: '2.27',
  },
];

/** What the choice depends on; uws-native.ts fills it from the running process. */
export interface UwsHost {
  /** process.versions.modules */
  nodeAbi: string;
  /** `${process.platform}-${process.arch}` */
  platform: string;
  /** glibc of the running process (`glibcVersionRuntime` of process.report), undefined off glibc (musl, macOS). */
  glibc: string | undefined;
  /** The installed version of a package, undefined if it is not installed. */
  installedVersion(pkg: string): string | undefined;
  /** MAPPROXY_TS_UWS: a package to use whatever the order. */
  forced?: string;
}

export interface UwsChoice {
  build: UwsBuild;
  version: string;
  /** Builds passed over, with why: said in the start-up log. */
  passedOver: UwsRejection[];
}

export interface UwsRejection {
  package: string;
  reason: string;
}

export class NoUwsBuildError extends Error {
  override readonly name = 'NoUwsBuildError';
  constructor(readonly rejections: readonly UwsRejection[], host: UwsHost) {
    super(
      `no uWebSockets.js build can load here (Node ABI ${host.nodeAbi}, ${host.platform}, ` +
        `${host.glibc ? `glibc ${host.glibc}` : 'no glibc'}): ` +
        rejections.map((r) => `${r.package}: ${r.reason}`).join('; ') +
        '. Install @btc-vision/uwebsockets.js (glibc >= 2.38) or run Node 20 with @trufflesuite/uws-js-unofficial (glibc >= 2.27)',
    );
  }
}

/** Why a build cannot load on this host, or undefined if it can. */
export function whyNot(build: UwsBuild, host: UwsHost): string | undefined {
  const version = host.installedVersion(build.package);
  if (version === undefined) return 'not installed';
  if (!build.platforms.includes(host.platform)) return `no binary for ${host.platform}`;
  if (!build.nodeAbis.includes(host.nodeAbi)) return `no binary for Node ABI ${host.nodeAbi} (has ${build.nodeAbis.join(', ')})`;
  if (host.platform.startsWith('linux-')) {
    if (host.glibc === undefined) return 'its binaries need glibc (this system has none, musl?)';
    if (compareVersions(host.glibc, build.minGlibc) < 0) return `needs glibc >= ${build.minGlibc}, this system has ${host.glibc}`;
  }
  return undefined;
}

/** The first build of UWS_BUILDS that can load here (or the forced one, if it can); throws NoUwsBuildError. */
export function chooseUwsBuild(host: UwsHost, builds: readonly UwsBuild[] = UWS_BUILDS): UwsChoice {
  const candidates = host.forced ? builds.filter((b) => b.package === host.forced) : builds;
  if (host.forced && candidates.length === 0) {
    throw new NoUwsBuildError([{ package: host.forced, reason: `MAPPROXY_TS_UWS names an unknown build (known: ${builds.map((b) => b.package).join(', ')})` }], host);
  }
  const passedOver: UwsRejection[] = [];
  for (const build of candidates) {
    const reason = whyNot(build, host);
    if (reason === undefined) return { build, version: host.installedVersion(build.package)!, passedOver };
    passedOver.push({ package: build.package, reason });
  }
  throw new NoUwsBuildError(passedOver, host);
}

/** Compares dotted version numbers numerically ('2.41' > '2.9'); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
