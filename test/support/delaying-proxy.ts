// A slow upstream for timeout tests: a TCP proxy in the test process that forwards requests at once and holds
// every chunk of the answers back for `delayMs`, standing in for an overloaded S3 or Azure endpoint. With no
// delay it is a wire tap: `sent()` is what the clients wrote (request lines, headers, bodies).
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface DelayingProxy {
  /** e.g. http://127.0.0.1:34567 */
  readonly url: string;
  /** How long each answer chunk is held back; 0 passes answers through. */
  delayMs: number;
  /** Everything the clients sent through the proxy so far, as latin1 text. */
  sent(): string;
  close(): Promise<void>;
}

export async function startDelayingProxy(targetPort: number, delayMs: number): Promise<DelayingProxy> {
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const proxy: DelayingProxy = {
    url: '',
    delayMs,
    sent: () => Buffer.concat(received).toString('latin1'),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.on('data', (chunk: Buffer) => {
      received.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      const forward = () => { if (!client.destroyed) client.write(chunk); };
      if (proxy.delayMs > 0) setTimeout(forward, proxy.delayMs); else forward();
    });
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', () => setTimeout(end, proxy.delayMs));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (proxy as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
