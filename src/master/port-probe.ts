import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { BindAddress } from '../cli/bind-address.js';

/**
 * Refuses to start on a port another process holds. Workers listen with SO_REUSEPORT, so a stray server
 * on the same port would otherwise silently take a share of the connections; a plain listen (node does not
 * set SO_REUSEPORT) fails while anyone else is bound there, SO_REUSEPORT or not.
 */
export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(
        err.code === 'EADDRINUSE'
          ? `${host}:${port} is already in use by another process; stop it first (it would take a share of the traffic)`
          : `cannot listen on ${host}:${port}: ${err.message}`,
      ));
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * For a unix socket: a file left by a dead server is removed, a live one (it accepts a connection) stops us,
 * and anything that is not a socket is left alone with an error.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`${path} is in use by another process; stop it first`);
  unlinkSync(path);
}

export async function probeListeners(binds: readonly BindAddress[]): Promise<void> {
  for (const b of binds) {
    if ('socketPath' in b) await prepareSocketPath(b.socketPath);
    else await assertPortFree(b.host, b.port);
  }
}
