import type { Command } from 'commander';
import { createApp } from '../core/app.js';
import { serveHttp } from '../core/node-http-adapter.js';
import { parseBindAddress } from './bind-address.js';

/** `serve <mapproxy.yaml>`: one process with node:http (the cluster daemon builds on the same core). */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .argument('<config>', 'mapproxy.yaml')
    .option('-b, --bind <address>', 'host:port or unix socket path', '127.0.0.1:8080')
    .description('serve a MapProxy configuration')
    .action(async (config: string, opts: { bind: string }) => {
      const app = await createApp(config);
      const bind = parseBindAddress(opts.bind);
      await serveHttp(app, bind);
      const where = 'socketPath' in bind ? bind.socketPath : `http://${bind.host}:${bind.port}/`;
      console.log(`mapproxy-ts serving ${config} on ${where}`);
    });
}
