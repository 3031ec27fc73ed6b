// A local HTTP server with a test file's own request handler, and the undici dispatchers the clients under
// test use; both are closed after the file's tests.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { HttpDispatchers } from '../../src/core/client/dispatchers.js';

export async function localHttpServer(handler: RequestListener): Promise<{ base: string; dispatchers: HttpDispatchers }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dispatchers = new HttpDispatchers();
  after(async () => {
    await dispatchers.close();
    server.closeAllConnections();
    server.close();
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dispatchers };
}
