import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { buildCoverage } from '../core/runtime/coverage.js';
import { buildGrids } from '../core/runtime/grids.js';
import { readConfigFiles } from '../core/config/read-config-files.js';
import type { Coverage } from '../core/geo/coverage.js';
import { ConfigError } from '../core/config/errors.js';
import { loadConfig } from '../core/config/load-config.js';
import { loadSeedConfig } from '../core/config/seed-config.js';
import { formatGrid } from '../core/seed/grids-report.js';
import { formatScales, type ScalesOptions } from '../core/seed/scales.js';
import { defragCompactCommand } from './defrag-compact-command.js';

export interface GridsOptions {
  mapproxyConf: string;
  grid?: string;
  all?: boolean;
  list?: boolean;
  seedConf?: string;
  coverage?: string;
}

/** `grids`: the grids of a configuration with resolutions and tile counts (mapproxy-util grids). Returns the exit code. */
export function runGridsCommand(opts: GridsOptions, out: (s: string) => void, err: (s: string) => void): number {
  let loaded;
  try {
    loaded = loadConfig(opts.mapproxyConf);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`ERROR: ${e.message}`);
    return 2;
  }
  const config = loaded.config;
  const grids = buildGrids(config);
  let names: string[];
  if (opts.all || opts.grid) names = [...grids.keys()];
  else names = [...new Set(Object.values(config.caches).flatMap((c) => c.grids))];
  if (opts.grid) {
    const wanted = opts.grid.toLowerCase();
    const found = names.find((n) => n.toLowerCase() === wanted);
    if (!found) {
      err(`grid not found: ${opts.grid}`);
      return 1;
    }
    names = [found];
  }
  names.sort();
  if ((opts.coverage && !opts.seedConf) || (!opts.coverage && opts.seedConf)) {
    err('--coverage and --seed-conf can only be used together');
    return 1;
  }
  let coverage: { name: string; coverage: Coverage } | undefined;
  if (opts.coverage && opts.seedConf) {
    try {
      const seedConf = loadSeedConfig(opts.seedConf, loaded);
      const c = seedConf.coverages[opts.coverage];
      if (!c) {
        err(`coverage '${opts.coverage}' not found in ${opts.seedConf}; available: ${Object.keys(seedConf.coverages).join(', ') || 'none'}`);
        return 1;
      }
      if (c.empty) {
        err(`coverage '${opts.coverage}' contains no geometries`);
        return 1;
      }
      coverage = { name: opts.coverage, coverage: buildCoverage(c.coverage) };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      err(`ERROR: ${e.message}`);
      return 2;
    }
  }
  if (opts.list) {
    for (const n of names) out(n);
    return 0;
  }
  // Grids with a base: print as MapProxy does, with the keys as written in the grid (after `base:` files merged)
  const written = readConfigFiles(loaded.configFile, { env: process.env, onUnsetVariable: () => {} }).data.grids as Record<string, Record<string, unknown>> | undefined;
  out(names.map((n) => formatGrid(n, grids.get(n)!, config.grids[n], coverage, written?.[n])).join('\n\n'));
  return 0;
}

const numberArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

/** `grids`, `scales` and `defrag-compact-cache`, as in mapproxy-util. */
export function utilCommands(program: Command): void {
  program
    .command('grids')
    .description('show the grids of a configuration: levels, resolutions, tile counts (mapproxy-util grids)')
    .argument('[mapproxy_conf]', 'MapProxy configuration (or -f)')
    .option('-f, --mapproxy-conf <file>', 'MapProxy configuration')
    .option('-g, --grid <name>', 'show only this grid')
    .option('--all', 'also show grids no cache uses')
    .option('-l, --list', 'list the names of the grids caches use')
    .option('-s, --seed-conf <file>', 'seed configuration that defines --coverage')
    .option('-c, --coverage <name>', 'estimate the number of tiles within this coverage of --seed-conf')
    .action((confArg: string | undefined, opts: Omit<GridsOptions, 'mapproxyConf'> & { mapproxyConf?: string }) => {
      const conf = opts.mapproxyConf ?? confArg;
      if (!conf) {
        process.stderr.write('error: missing MapProxy configuration (-f mapproxy.yaml)\n');
        process.exitCode = 1;
        return;
      }
      process.exitCode = runGridsCommand(
        { ...opts, mapproxyConf: conf },
        (s) => process.stdout.write(`${s}\n`),
        (s) => process.stderr.write(`${s}\n`),
      );
    });

  program
    .command('scales')
    .description('convert scale denominators to resolutions and back (mapproxy-util scales)')
    .argument('<values...>', "scales or resolutions; '-' reads them from stdin")
    .option('-l, --levels <n>', 'number of values to print (continues by halving)', numberArg, 1)
    .option('-d, --dpi <dpi>', "DPI of the scales ('OGC' for 0.28 mm pixels)", 'OGC')
    .option('--unit <unit>', 'resolutions in metres (m) or degrees (d)', 'm')
    .option('--repeat', 'repeat the values, each round divided by 10')
    .option('--res-to-scale', 'convert resolutions to scales')
    .option('--as-res-config', 'print as a res: list for a grid configuration')
    .action((values: string[], opts: { levels: number; dpi: string; unit: string; repeat?: boolean; resToScale?: boolean; asResConfig?: boolean }) => {
      let nums: number[];
      if (values[0] === '-') {
        nums = [];
        for (const line of readFileSync(0, 'utf8').split('\n')) {
          const v = line.split('#')[0]!.trim();
          if (!v) break;
          nums.push(Number(v));
        }
      } else nums = values.map(Number);
      if (nums.some((n) => !Number.isFinite(n))) {
        process.stderr.write('error: values must be numbers\n');
        process.exitCode = 1;
        return;
      }
      if (opts.unit !== 'm' && opts.unit !== 'd') {
        process.stderr.write("error: --unit must be 'm' or 'd'\n");
        process.exitCode = 1;
        return;
      }
      const dpi = opts.dpi === 'OGC' ? 'OGC' : Number(opts.dpi);
      const options: ScalesOptions = {
        levels: opts.levels, dpi: Number.isFinite(dpi) || dpi === 'OGC' ? dpi : 'OGC', unit: opts.unit,
        repeat: opts.repeat, resToScale: opts.resToScale, asResConfig: opts.asResConfig,
      };
      process.stdout.write(`${formatScales(nums, options)}\n`);
    });

  defragCompactCommand(program);
}
