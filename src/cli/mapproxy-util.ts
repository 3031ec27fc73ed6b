/**
 * `mapproxy-util`: MapProxy's utility command line (its command names, options and messages), each command a thin
 * entry to the same code as `mapproxy-ts`. The command list and its help are printed as MapProxy prints them.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { PACKAGE_DIR } from './util/package-dir.js';

type Register = (program: Command) => unknown;

/**
 * In MapProxy's order, with its help texts; `validate` is ours. Each command's module is loaded only when it runs,
 * so `scales` does not pay for (or depend on) the image and cache code `export` needs.
 */
export const UTIL_COMMANDS: readonly [string, string, () => Promise<Register>][] = [
  ['serve-develop', 'Run MapProxy development server.', async () => (await import('./util/serve-develop-command.js')).serveDevelopCommands],
  ['serve-multiapp-develop', 'Run MultiMapProxy development server.', async () => (await import('./util/serve-develop-command.js')).serveDevelopCommands],
  ['create', 'Create example configurations.', async () => (await import('./util/create-command.js')).createCommand],
  ['scales', 'Convert between scales and resolutions.', async () => (await import('./util/grids-scales-commands.js')).gridsScalesCommands],
  ['wms-capabilities', 'Display WMS capabilites.', async () => (await import('./util/wms-capabilities-command.js')).wmsCapabilitiesCommand],
  ['grids', 'Display detailed informations for configured grids.', async () => (await import('./util/grids-scales-commands.js')).gridsScalesCommands],
  ['export', 'Export existing caches.', async () => (await import('./util/export-command.js')).exportCommand],
  ['autoconfig', 'Create config from WMS capabilities.', async () => (await import('./util/autoconfig-command.js')).autoconfigCommand],
  ['defrag-compact-cache', 'De-fragmentate compact caches.', async () => (await import('./defrag-compact-command.js')).defragCompactCommand],
  ['validate', 'Check a configuration against the schema and the readers.', async () => (await import('./util/validate-command.js')).validateCommand],
];

export function utilUsage(): string {
  const width = Math.max(...UTIL_COMMANDS.map(([n]) => n.length));
  return ['Usage: mapproxy-util COMMAND [options]', '', '', 'Commands:', ...UTIL_COMMANDS.map(([n, h]) => `  ${n.padEnd(width)}  ${h}`)].join('\n');
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(`${PACKAGE_DIR}/package.json`, 'utf8')) as { version: string }).version;
}

/** A program with the one command that runs (its module loaded now). */
export async function mapproxyUtilProgram(command: string): Promise<Command> {
  const program = new Command().name('mapproxy-util');
  const name = command === 'defrag-compact' ? 'defrag-compact-cache' : command;
  const entry = UTIL_COMMANDS.find(([n]) => n === name)!;
  (await entry[2]())(program);
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
  await (await mapproxyUtilProgram(command)).parseAsync(args, { from: 'user' });
}
