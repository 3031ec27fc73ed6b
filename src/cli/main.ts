#!/usr/bin/env node
import { Command } from 'commander';
import { serveCommand } from './serve.js';

const program = new Command();
program.name('mapproxy-ts').description('A TypeScript successor of MapProxy: WMS, WMTS, TMS and a tile cache.');
serveCommand(program);
await program.parseAsync(process.argv);
