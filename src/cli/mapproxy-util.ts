/**
 * `mapproxy-util`: MapProxy's utility command line (its command names, options and messages), each command a thin
 * entry to the same code as `mapproxy-ts`. The command list and its help are printed as MapProxy prints them.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { defragCompactCommand } from './defrag-compact-command.js';
import { autoconfigCommand } from './util/autoconfig-command.js';
import { createCommand } from './util/create-command.js';
import { exportCommand } from './util/export-command.js';
import { gridsScalesCommands } from './util/grids-scales-commands.js';
import { PACKAGE_DIR } from './util/package-dir.js';
import { serveDevelopCommands } from './util/serve-develop-command.js';
import { validateCommand } from './util/validate-command.js';
import { wmsCapabilitiesCommand } from './util/wms-capabilities-command.js';

/** In MapProxy's order, with its help texts; `validate` is ours. */
export const UTIL_COMMANDS: readonly [string, string][] = [
  ['serve-develop', 'Run MapProxy development server.'],
  ['serve-multiapp-develop', 'Run MultiMapProxy development server.'],
  ['create', 'Create example configurations.'],
  ['scales', 'Convert between scales and resolutions.'],
  ['wms-capabilities', 'Display WMS capabilites.'],
  ['grids', 'Display detailed informations for configured grids.'],
  ['export', 'Export existing caches.'],
  ['autoconfig', 'Create config from WMS capabilities.'],
  ['defrag-compact-cache', 'De-fragmentate compact caches.'],
  ['validate', 'Check a configuration against the schema and the readers.'],
];

export function utilUsage(): string {
  const width = Math.max(...UTIL_COMMANDS.map(([n]) => n.length));
  return ['Usage: mapproxy-util COMMAND [options]', '', '', 'Commands:', ...UTIL_COMMANDS.map(([n, h]) => `  ${n.padEnd(width)}  ${h}`)].join('\n');
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(`${PACKAGE_DIR}/package.json`, 'utf8')) as { version: string }).version;
}

export function mapproxyUtilProgram(): Command {
  const program = new Command().name('mapproxy-util');
  serveDevelopCommands(program);
  createCommand(program);
  gridsScalesCommands(program);
  wmsCapabilitiesCommand(program);
  exportCommand(program);
  autoconfigCommand(program);
  defragCompactCommand(program);
  validateCommand(program);
  return program;
}

/** Runs `mapproxy-util <args>` (args without node and the script). Exit codes as MapProxy: 1 for help and errors of use. */
export async function runMapproxyUtil(args: string[]): Promise<void> {
  const [command] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${utilUsage()}\n`);
    process.exitCode = 1;
    return;
  }
  if (command === '--version' && args.length === 1) {
    process.stdout.write(`mapproxy-ts ${packageVersion()}\n`);
    process.exitCode = 1;
    return;
  }
  const known = UTIL_COMMANDS.some(([n]) => n === command) || command === 'defrag-compact';
  if (!known) {
    process.stdout.write(`${utilUsage()}\n\nERROR: unknown command ${command}\n`);
    process.exitCode = 1;
    return;
  }
  await mapproxyUtilProgram().parseAsync(args, { from: 'user' });
}
