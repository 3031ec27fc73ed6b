import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { expandEnv } from './env-expand.js';
import { isYamlMap, mergeDict, type YamlMap } from './merge-dict.js';
import { readYamlFile } from './yaml-file.js';

export interface ConfigFileSet {
  /** The merged YAML tree, `base:` resolved and removed. */
  data: YamlMap;
  /** Every file read (main file and all base files), with its mtime, for reload checks. */
  files: { path: string; mtimeMs: number }[];
}

export interface ReadOptions {
  env: Record<string, string | undefined>;
  /** Called once per unset variable name (across all files). */
  onUnsetVariable: (name: string) => void;
}

/**
 * Reads a configuration file with its `base:` includes (MapProxy's `load_configuration_file`).
 * Base names are relative to the including file. Within one `base: [a, b]` list the files are folded left to
 * right with the accumulated result as the overriding side, so earlier files win; the including file wins over
 * all its bases.
 */
export function readConfigFiles(mainFile: string, opts: ReadOptions): ConfigFileSet {
  const files: { path: string; mtimeMs: number }[] = [];
  const data = loadFiles([resolve(mainFile)], dirname(resolve(mainFile)), opts, files, []);
  return { data, files };
}

function loadFiles(
  names: string[],
  workingDir: string,
  opts: ReadOptions,
  files: { path: string; mtimeMs: number }[],
  stack: string[],
): YamlMap {
  let acc: YamlMap = {};
  for (const name of names) {
    const file = resolve(workingDir, name);
    if (stack.includes(file)) {
      throw new ConfigError(`base: circular include of ${file} (${[...stack, file].join(' -> ')})`, stack[stack.length - 1], 'base');
    }
    let current = expandEnv(readYamlFile(file), opts.env, opts.onUnsetVariable) as YamlMap;
    files.push({ path: file, mtimeMs: statSync(file).mtimeMs });
    if ('base' in current) {
      const { base, ...rest } = current;
      const baseNames = typeof base === 'string' ? [base] : base;
      if (!Array.isArray(baseNames) || !baseNames.every((b) => typeof b === 'string')) {
        throw new ConfigError('expected a file name or a list of file names', file, 'base');
      }
      const imported = loadFiles(baseNames as string[], dirname(file), opts, files, [...stack, file]);
      current = mergeDict(rest, imported);
    }
    acc = mergeDict(acc, current);
  }
  return isYamlMap(acc) ? acc : {};
}
