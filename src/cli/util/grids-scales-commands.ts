import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatScales } from '../../core/seed/scales.js';
import { runGridsCommand, type GridsOptions } from '../util-commands.js';

const lineOut = (s: string) => process.stdout.write(`${s}\n`);
const lineErr = (s: string) => process.stderr.write(`${s}\n`);

/** `--eval`: MapProxy evaluates each value as a Python expression (`360/256`); we take arithmetic only. */
export function evalArithmetic(expr: string): number {
  if (!/^[\d\s.eE+\-*/()]+$/.test(expr)) throw new Error(`not an arithmetic expression: ${expr}`);
  // checked above to hold nothing but numbers and operators
  return Number(new Function(`return (${expr});`)());
}

/** `grids` and `scales` with MapProxy's option names (mapproxy-util grids -c is --coverage-name). */
export function gridsScalesCommands(program: Command): void {
  const grids = program
    .command('grids')
    .description('Display detailed informations for configured grids.')
    .usage('[options] mapproxy_conf')
    .argument('[mapproxy_conf]')
    .option('-f, --mapproxy-conf <MAPPROXY_CONF>', 'MapProxy configuration.')
    .option('-g, --grid <GRID_NAME>', 'Display only information about the specified grid.')
    .option('--all', 'Show also grids that are not referenced by any cache.')
    .option('-l, --list', 'List names of configured grids, which are used by any cache')
    .option('-s, --seed-conf <SEED_CONFIG>', 'Seed configuration, where the coverage is defined')
    .option('-c, --coverage-name <COVERAGE>', 'Calculate number of tiles when a coverage is given');
  grids.action((confArg: string | undefined, o: Omit<GridsOptions, 'mapproxyConf'> & { mapproxyConf?: string; coverageName?: string }) => {
    const conf = o.mapproxyConf ?? confArg;
    if (!conf) {
      grids.outputHelp();
      process.exitCode = 2;
      return;
    }
    process.exitCode = runGridsCommand({ ...o, coverage: o.coverageName, mapproxyConf: conf }, lineOut, lineErr);
  });

  const scales = program
    .command('scales')
    .description('Convert between scales and resolutions.')
    .usage('[options] scale/resolution[, ...]')
    .argument('[values...]')
    .option('-l, --levels <1>', 'number of resolutions/scales to calculate', '1')
    .option('-d, --dpi <DPI>', 'DPI to convert scales (use OGC for .28mm based DPI)', 'OGC')
    .option('--unit <m>', 'use resolutions in meter (m) or degrees (d)', 'm')
    .option('--eval', 'evaluate args as arithmetic expressions. For example: 360/256')
    .option('--repeat', 'repeat all values, each time /10. For example: 1000 500 250 results in 1000 500 250 100 50 25 10...')
    .option('--res-to-scale', 'convert resolutions to scale')
    .option('--as-res-config', 'output as resolution list for MapProxy grid configuration');
  scales.action((values: string[], o: { levels: string; dpi: string; unit: string; eval?: boolean; repeat?: boolean; resToScale?: boolean; asResConfig?: boolean }) => {
    if (!values.length) {
      scales.outputHelp();
      process.exitCode = 1;
      return;
    }
    let texts = values;
    if (values[0] === '-') {
      texts = [];
      for (const line of readFileSync(0, 'utf8').split('\n')) {
        const v = line.split('#')[0]!.trim();
        if (!v) break;
        texts.push(v);
      }
    }
    let nums: number[];
    try {
      nums = texts.map((t) => (o.eval ? evalArithmetic(t) : Number(t)));
    } catch (e) {
      lineErr(`ERROR: ${(e as Error).message}`);
      process.exitCode = 1;
      return;
    }
    const levels = Number(o.levels);
    if (nums.some((n) => !Number.isFinite(n)) || !Number.isInteger(levels)) {
      lineErr('ERROR: values and --levels must be numbers');
      process.exitCode = 1;
      return;
    }
    if (o.unit !== 'm' && o.unit !== 'd') {
      lineErr("ERROR: --unit must be 'm' or 'd'");
      process.exitCode = 1;
      return;
    }
    const dpi = o.dpi === 'OGC' ? 'OGC' : Number(o.dpi);
    lineOut(formatScales(nums, {
      levels, dpi: dpi === 'OGC' || Number.isFinite(dpi) ? dpi : 'OGC', unit: o.unit,
      repeat: o.repeat, resToScale: o.resToScale, asResConfig: o.asResConfig,
    }));
  });
}
