#!/usr/bin/env node
import { Command } from 'commander';
import { serveCommand } from './serve.js';

const program = new Command();
program.name('mapproxy-ts').description('A TypeScript successor of MapProxy: WMS, WMTS, TMS and a tile cache.');
serveCommand(program);
// The daemon's master (`serve`, `serve-multiapp`) loads no other command: their imports (the seeder, the exports,
// their libraries) would stay resident in it as long as it runs. Every other command line registers them all.
// `seed` loads only its own: a seed shares the machine with its upstream, and the other commands' modules cost
// ~0.2 s of CPU at its start.
if (process.argv[2] === 'seed') (await import('./seed-command.js')).seedCommand(program);
else if (process.argv[2] !== 'serve' && process.argv[2] !== 'serve-multiapp') {
  const [{ seedCommand }, { utilCommands }, { autoconfigCommand }, { createCommand }, { exportCommand }, { validateCommand }, { wmsCapabilitiesCommand }] =
    await Promise.all([
      import('./seed-command.js'),
      import('./util-commands.js'),
      import('./util/autoconfig-command.js'),
      import('./util/create-command.js'),
      import('./util/export-command.js'),
      import('./util/validate-command.js'),
      import('./util/wms-capabilities-command.js'),
    ]);
  seedCommand(program);
  utilCommands(program);
  validateCommand(program);
  // mapproxy-util's commands that have no mapproxy-ts form of their own
  exportCommand(program);
  wmsCapabilitiesCommand(program);
  autoconfigCommand(program);
  createCommand(program);
}
await program.parseAsync(process.argv);
