import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { chooseUwsBuild, compareVersions, NoUwsBuildError, UWS_BUILDS, whyNot, type UwsHost } from '../../src/worker/adapters/uws-builds.js';
import { currentHost, describeUws, loadNativeUws, uwsChoice } from '../../src/worker/adapters/uws-native.js';

const BTC = '@btc-vision/uwebsockets.js';
const TRUFFLE = '@trufflesuite/uws-js-unofficial';

/** A host as the choice sees it: Node's ABI, glibc and which packages npm installed. */
function host(nodeAbi: string, glibc: string | undefined, installed: Record<string, string>, extra: Partial<UwsHost> = {}): UwsHost {
  return { nodeAbi, platform: 'linux-x64', glibc, installedVersion: (pkg) => installed[pkg], ...extra };
}
const both = { [BTC]: '20.57.0', [TRUFFLE]: '20.30.0-unofficial.0' };

describe('uWebSockets.js build choice', () => {
  it('Debian 13 (glibc 2.41), Node 20, both installed: the newer build', () => {
    const c = chooseUwsBuild(host('115', '2.41', both));
    assert.equal(c.build.package, BTC);
    assert.equal(c.version, '20.57.0');
    assert.deepEqual(c.passedOver, []);
  });

  it('Debian 13, Node 22 and 24: the newer build, the only one with their ABI', () => {
    for (const abi of ['127', '137']) assert.equal(chooseUwsBuild(host(abi, '2.41', both)).build.package, BTC);
  });

  it('Debian 12 (glibc 2.36), Node 20: the older build, saying why the newer one was passed over', () => {
    const c = chooseUwsBuild(host('115', '2.36', both));
    assert.equal(c.build.package, TRUFFLE);
    assert.deepEqual(c.passedOver, [{ package: BTC, reason: 'needs glibc >= 2.38, this system has 2.36' }]);
  });

  it('Debian 12, Node 22: none, and the error says why for each build', () => {
    assert.throws(() => chooseUwsBuild(host('127', '2.36', both)), (err: unknown) => {
      assert.ok(err instanceof NoUwsBuildError);
      assert.deepEqual(err.rejections.map((r) => r.package), [BTC, TRUFFLE]);
      assert.match(err.message, /needs glibc >= 2\.38, this system has 2\.36/);
      assert.match(err.message, /no binary for Node ABI 127/);
      return true;
    });
  });

  it('only what is installed counts: Debian 13 with the older build alone keeps it', () => {
    const c = chooseUwsBuild(host('115', '2.41', { [TRUFFLE]: '20.30.0-unofficial.0' }));
    assert.equal(c.build.package, TRUFFLE);
    assert.deepEqual(c.passedOver, [{ package: BTC, reason: 'not installed' }]);
  });

  it('glibc is compared as numbers, and a glibc older than both builds refuses both', () => {
    assert.ok(compareVersions('2.41', '2.9') > 0);
    assert.ok(compareVersions('2.38', '2.38.0') === 0);
    assert.ok(compareVersions('2.27', '2.38') < 0);
    assert.throws(() => chooseUwsBuild(host('115', '2.24', both)), /needs glibc >= 2\.27, this system has 2\.24/);
  });

  it('musl (no glibc) and unknown platforms are refused with the reason', () => {
    assert.throws(() => chooseUwsBuild(host('115', undefined, both)), /need glibc \(this system has none, musl\?\)/);
    const riscv = host('115', '2.41', both, { platform: 'linux-riscv64' });
    assert.equal(whyNot(UWS_BUILDS[0], riscv), 'no binary for linux-riscv64');
  });

  it('macOS needs no glibc', () => {
    const c = chooseUwsBuild(host('137', undefined, both, { platform: 'darwin-arm64' }));
    assert.equal(c.build.package, BTC);
  });

  it('MAPPROXY_TS_UWS forces a build, still only where it can load', () => {
    assert.equal(chooseUwsBuild(host('115', '2.41', both, { forced: TRUFFLE })).build.package, TRUFFLE);
    assert.throws(() => chooseUwsBuild(host('115', '2.36', both, { forced: BTC })), /needs glibc >= 2\.38/);
    assert.throws(() => chooseUwsBuild(host('115', '2.41', both, { forced: 'uws' })), /MAPPROXY_TS_UWS names an unknown build/);
  });
});

describe('uWebSockets.js on this machine', () => {
  it('reads the glibc glibc itself reports', () => {
    const getconf = execFileSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' }).trim(); // "glibc 2.36"
    assert.equal(`glibc ${currentHost().glibc}`, getconf);
  });

  it('chooses a build that can load here, loads its native binary and names it', () => {
    const h = currentHost();
    const c = uwsChoice();
    assert.equal(whyNot(c.build, h), undefined);
    if (compareVersions(h.glibc!, '2.38') < 0) {
      // Debian 12 and the like: the newer build cannot load, whether or not it is installed
      assert.equal(c.build.package, TRUFFLE);
      assert.match(c.passedOver.find((p) => p.package === BTC)!.reason, /not installed|needs glibc >= 2\.38/);
    }
    const uws = loadNativeUws();
    assert.equal(typeof uws.App, 'function');
    assert.ok(Object.keys(createRequire(import.meta.url).cache).some((id) => id.includes(c.build.package) && id.endsWith('.node')));
    assert.equal(describeUws(), `${c.build.package}@${c.version}`);
  });
});
