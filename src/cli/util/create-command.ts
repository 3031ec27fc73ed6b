import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { appModule, BASE_MAPPROXY_YAML, BASE_SEED_YAML, LOG_YAML, schemaComment } from './templates.js';
import { PACKAGE_DIR, SCHEMA_FILE } from './package-dir.js';

export const TEMPLATES = ['base-config', 'wsgi-app', 'log-ini'] as const;

export interface CreateOptions {
  template?: string;
  listTemplates?: boolean;
  mapproxyConf?: string;
  force?: boolean;
}

interface Out {
  out: (line: string) => void;
  err: (line: string) => void;
}

function writeNew(file: string, text: string, force: boolean | undefined, io: Out): boolean {
  if (existsSync(file) && !force) {
    io.err(`ERROR: ${file} already exists, use --force`);
    return false;
  }
  io.out(`writing ${file}`);
  writeFileSync(file, text);
  return true;
}

/** `mapproxy-util create`: MapProxy's templates, each with our starter. Returns the exit code (1 as MapProxy for -l). */
export function runCreate(destination: string | undefined, opts: CreateOptions, io: Out, help: () => void): number {
  if (opts.listTemplates) {
    const width = Math.max(...TEMPLATES.map((t) => t.length));
    io.out('Available templates:');
    for (const t of TEMPLATES) io.out(`  ${t.padEnd(width)}`);
    return 1;
  }
  if (!opts.template) {
    help();
    return 1;
  }
  if (!(TEMPLATES as readonly string[]).includes(opts.template)) {
    io.err(`ERROR: unknown template ${opts.template}`);
    return 1;
  }
  if (!destination) {
    io.err('ERROR: template requires destination argument');
    return 1;
  }
  switch (opts.template) {
    case 'base-config': {
      mkdirSync(destination, { recursive: true });
      const header = schemaComment(SCHEMA_FILE);
      for (const [name, text] of [['mapproxy.yaml', header + BASE_MAPPROXY_YAML], ['seed.yaml', BASE_SEED_YAML]] as const) {
        if (!writeNew(join(destination, name), text, opts.force, io)) return 1;
      }
      return 0;
    }
    case 'wsgi-app': {
      if (!opts.mapproxyConf) {
        help();
        io.err('ERROR: template requires --mapproxy-conf option');
        return 1;
      }
      // MapProxy appends .py to a name without extension; ours is an ES module
      const file = basename(destination).includes('.') ? destination : `${destination}.mjs`;
      return writeNew(file, appModule(resolve(opts.mapproxyConf), PACKAGE_DIR), opts.force, io) ? 0 : 1;
    }
    default:
      return writeNew(destination, LOG_YAML, opts.force, io) ? 0 : 1;
  }
}

export function createCommand(program: Command): Command {
  const cmd = program
    .command('create')
    .description('Create example configurations.')
    .usage('[options] [destination]')
    .argument('[destination]')
    .option('-t, --template <TEMPLATE>', 'Create a configuration from this template.')
    .option('-l, --list-templates', 'List all available configuration templates.')
    .option('-f, --mapproxy-conf <MAPPROXY_CONF>', 'Existing MapProxy configuration (required for some templates).')
    .option('--force', 'Force operation (e.g. overwrite existing files).');
  return cmd.action((destination: string | undefined, opts: CreateOptions) => {
    process.exitCode = runCreate(destination, opts, {
      out: (s) => process.stdout.write(`${s}\n`),
      err: (s) => process.stderr.write(`${s}\n`),
    }, () => cmd.outputHelp());
  });
}
