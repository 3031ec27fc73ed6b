import { readFileSync } from 'node:fs';
import { parseDocument, Scalar, type Tags, type ScalarTag } from 'yaml';
import { ConfigError } from './errors.js';

/*
 * MapProxy reads its YAML with PyYAML's safe loader (YAML 1.1). The `yaml` package's 1.1 schema is close, but
 * differs where users notice: it reads `y`/`n` as booleans (PyYAML keeps them as strings, and `y`/`n` are common
 * keys/values), reads `1e3` as a number (PyYAML needs a dot: `1.0e+3`) and `0123` as a decimal number (PyYAML:
 * octal digits only, else a string). These tags restore PyYAML's rules.
 */
const BOOL = 'tag:yaml.org,2002:bool';
const INT = 'tag:yaml.org,2002:int';
const FLOAT = 'tag:yaml.org,2002:float';

const pyTrue: ScalarTag = {
  identify: (v) => v === true,
  default: true,
  tag: BOOL,
  test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
  resolve: () => new Scalar(true),
};
const pyFalse: ScalarTag = {
  identify: (v) => v === false,
  default: true,
  tag: BOOL,
  test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
  resolve: () => new Scalar(false),
};
const pyFloatExp: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: FLOAT,
  format: 'EXP',
  test: /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/,
  resolve: (s) => parseFloat(s.replace(/_/g, '')),
};

// PyYAML reads a decimal integer only without leading zeros: `0123456789` (a phone number) stays a string.
const pyIntDecimal: ScalarTag = {
  identify: (v) => typeof v === 'number' && Number.isInteger(v),
  default: true,
  tag: INT,
  test: /^[-+]?(?:0|[1-9][0-9_]*)$/,
  resolve: (s) => parseInt(s.replace(/_/g, ''), 10),
};

function pyyamlTags(tags: Tags): Tags {
  const out: Tags = [];
  for (const t of tags) {
    if (typeof t === 'object' && t.tag === BOOL) continue;
    if (typeof t === 'object' && t.tag === FLOAT && (t as ScalarTag).format === 'EXP') continue;
    if (typeof t === 'object' && t.tag === INT && !(t as ScalarTag).format) continue;
    out.push(t);
  }
  // PyYAML's resolvers are tried before the generic ones; put ours first.
  return [pyTrue, pyFalse, pyFloatExp, pyIntDecimal, ...out];
}

/** Parses YAML text with PyYAML 1.1 semantics (merge keys `<<`, yes/no/on/off booleans, duplicate keys allowed). */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, {
    version: '1.1',
    merge: true,
    uniqueKeys: false,
    customTags: pyyamlTags,
    prettyErrors: true,
  });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}${lineInfo(e.linePos)}`, file);
  }
  if (/^\t/m.test(text)) {
    // The parser accepts some tab uses that PyYAML rejects; MapProxy forbids tabs in indentation.
    const line = text.split('\n').findIndex((l) => /^ *\t/.test(l));
    if (line >= 0) throw new ConfigError(`invalid YAML: tab character used for indentation at line ${line + 1}`, file);
  }
  return doc.toJS({ maxAliasCount: -1 });
}

function lineInfo(pos: unknown): string {
  const p = pos as [{ line: number; col: number }] | undefined;
  return p && p[0] ? ` (line ${p[0].line}, column ${p[0].col})` : '';
}

/** Reads and parses one YAML file. Like MapProxy, anything but a mapping at the top level (even an empty file) is an error. */
export function readYamlFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file: ${(err as Error).message}`, file);
  }
  const data = parseYaml(text, file);
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    throw new ConfigError('expected a mapping of sections (services, layers, ...) at the top level', file);
  }
  return data as Record<string, unknown>;
}
