#!/usr/bin/env node
import { Command } from 'commander';
import { seedCommand } from './seed-command.js';
import { serveCommand } from './serve.js';
import { utilCommands } from './util-commands.js';
import { autoconfigCommand } from './util/autoconfig-command.js';
import { createCommand } from './util/create-command.js';
import { exportCommand } from './util/export-command.js';
import { validateCommand } from './util/validate-command.js';
import { wmsCapabilitiesCommand } from './util/wms-capabilities-command.js';

const program = new Command();
program.name('mapproxy-ts').description('A TypeScript successor of MapProxy: WMS, WMTS, TMS and a tile cache.');
serveCommand(program);
seedCommand(program);
utilCommands(program);
validateCommand(program);
// mapproxy-util's commands that have no mapproxy-ts form of their own
exportCommand(program);
wmsCapabilitiesCommand(program);
autoconfigCommand(program);
createCommand(program);
await program.parseAsync(process.argv);
