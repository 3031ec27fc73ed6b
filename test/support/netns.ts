// Hosts on one machine with a real network between them: Linux network namespaces joined by veth links, made and
// removed by the tests (root only). The layout of the cluster tests:
//
//   namespace "svc" (Redis, S3): bridge L 10.N.1.1/24 (the lock network), bridge D 10.N.2.1/24 (the data network)
//   namespace "hI" (a daemon host, I = 1..k): 10.N.1.(10+I) on L and 10.N.2.(10+I) on D, one veth link on each
//   the test process's own namespace: 10.N.1.100 on L, 10.N.2.100 on D (clients, the counting upstream)
//
// Redis is reached on L and S3 on D, so dropping a host's L link partitions Redis alone from that host.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import net from 'node:net';

export interface NetLab {
  /** The namespace of Redis and S3. */
  readonly services: string;
  /** The host namespaces, h1 … hk. */
  readonly hosts: readonly string[];
  /** Addresses of the services namespace on the lock and data networks. */
  readonly servicesLock: string;
  readonly servicesData: string;
  /** This process's addresses on the lock and data networks. */
  readonly selfLock: string;
  readonly selfData: string;
  /** Host i's (0-based) data address: where its daemon listens. */
  hostData(i: number): string;
  /** Takes host i's link to the lock network down (Redis becomes unreachable from it) or up again. */
  setLockLink(i: number, up: boolean): void;
  /** Runs a command inside a namespace (`ip netns exec` execs it: the child's pid is the command's). */
  spawnIn(ns: string, command: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Removes the namespaces and links (kill what runs in them first). Safe to call twice. */
  remove(): void;
}

/** Why namespaces cannot be used here, or null when they can (root, `ip` present, a namespace can be made). */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()}): ip netns needs CAP_SYS_ADMIN and CAP_NET_ADMIN`;
  const probe = `mpxprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `ip netns add failed: ${(err as Error).message.trim()}`;
  }
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A /16 of 10.x.0.0 that no route of this machine uses. */
function freeNet(): number {
  const routes = ip('-4', 'route', 'show', 'table', 'all') + ip('-4', 'addr');
  for (let tries = 0; tries < 50; tries++) {
    const n = 200 + Math.floor(Math.random() * 50);
    if (!routes.includes(`10.${n}.`)) return n;
  }
  throw new Error('no free 10.x.0.0/16 for the test network');
}

export function createNetLab(hostCount: number): NetLab {
  const id = String(process.pid % 100000);
  const n = freeNet();
  const services = `mpx${id}svc`;
  const hosts = Array.from({ length: hostCount }, (_, i) => `mpx${id}h${i + 1}`);
  const lockNet = (last: number) => `10.${n}.1.${last}`;
  const dataNet = (last: number) => `10.${n}.2.${last}`;
  // interface names have at most 15 characters
  const link = (who: string, net: 'l' | 'd', side: 'a' | 'b') => `m${id}${who}${net}${side}`;
  const made: string[] = [];
  const selfLinks: string[] = [];
  let removed = false;

  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const ns of made) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    // a veth pair goes when either end goes; these are the ends in our own namespace, in case
    for (const l of selfLinks) {
      try {
        ip('link', 'del', l);
      } catch {
        // went with its peer
      }
    }
  };
  process.once('exit', remove);

  try {
    for (const ns of [services, ...hosts]) {
      ip('netns', 'add', ns);
      made.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    for (const [br, addr] of [['lockbr', lockNet(1)], ['databr', dataNet(1)]] as const) {
      ip('-n', services, 'link', 'add', br, 'type', 'bridge');
      ip('-n', services, 'addr', 'add', `${addr}/24`, 'dev', br);
      ip('-n', services, 'link', 'set', br, 'up');
    }
    /** A veth pair: end a in `ns` (null: this process's namespace) with `addr`, end b on the bridge in svc. */
    const join = (who: string, ns: string | null, net: 'l' | 'd', addr: string): void => {
      const a = link(who, net, 'a');
      const b = link(who, net, 'b');
      ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
      ip('link', 'set', b, 'netns', services);
      ip('-n', services, 'link', 'set', b, 'master', net === 'l' ? 'lockbr' : 'databr');
      ip('-n', services, 'link', 'set', b, 'up');
      if (ns) ip('link', 'set', a, 'netns', ns);
      else selfLinks.push(a);
      const inNs = ns ? ['-n', ns] : [];
      ip(...inNs, 'addr', 'add', `${addr}/24`, 'dev', a);
      ip(...inNs, 'link', 'set', a, 'up');
    };
    hosts.forEach((ns, i) => {
      join(`h${i + 1}`, ns, 'l', lockNet(11 + i));
      join(`h${i + 1}`, ns, 'd', dataNet(11 + i));
    });
    join('t', null, 'l', lockNet(100));
    join('t', null, 'd', dataNet(100));
  } catch (err) {
    remove();
    throw err;
  }

  return {
    services,
    hosts,
    servicesLock: lockNet(1),
    servicesData: dataNet(1),
    selfLock: lockNet(100),
    selfData: dataNet(100),
    hostData: (i) => dataNet(11 + i),
    setLockLink: (i, up) => void ip('-n', hosts[i]!, 'link', 'set', link(`h${i + 1}`, 'l', 'a'), up ? 'up' : 'down'),
    spawnIn: (ns, command, args, opts = {}) => spawn('ip', ['netns', 'exec', ns, command, ...args], opts),
    remove,
  };
}

/** Waits until something accepts TCP connections on host:port (from this namespace). */
export async function waitForPort(host: string, port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Accepts TCP on host:port and pipes each connection to 127.0.0.1:targetPort (a loopback server made reachable). */
export async function relayTcp(host: string, targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}
