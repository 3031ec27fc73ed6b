#!/usr/bin/env node
import { Command } from 'commander';
import { seedCommand } from './seed-command.js';
import { serveCommand } from './serve.js';
import { utilCommands } from './util-commands.js';

const program = new Command();
program.name('mapproxy-ts').description('A TypeScript successor of MapProxy: WMS, WMTS, TMS and a tile cache.');
serveCommand(program);
seedCommand(program);
utilCommands(program);
await program.parseAsync(process.argv);
