#!/usr/bin/env node
// Entry for the seed and utility commands alone (tests, and until the lead registers them in main.ts).
import { Command } from 'commander';
import { seedCommand } from './seed-command.js';
import { utilCommands } from './util-commands.js';

const program = new Command();
program.name('mapproxy-ts').description('seed and inspect MapProxy caches');
seedCommand(program);
utilCommands(program);
await program.parseAsync(process.argv);
