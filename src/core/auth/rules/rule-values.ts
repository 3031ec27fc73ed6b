/** Readers of the values of an access rules file; each error names where in the file the value stands. */

export type Raw = Record<string, unknown>;
export type Env = Record<string, string | undefined>;

/** `$NAME` or `${NAME}` is the environment variable; an unset one refuses the file (never an empty secret). */
export function secret(value: unknown, where: string, env: Env): string {
  if (typeof value !== 'string' || !value) throw new Error(`${where}: expected a string`);
  const m = /^\$(?:\{(\w+)\}|(\w+))$/.exec(value);
  if (!m) return value;
  const name = m[1] ?? m[2]!;
  const v = env[name];
  if (!v) throw new Error(`${where}: environment variable ${name} is not set`);
  return v;
}

export function strings(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.length || list.some((v) => typeof v !== 'string' || !v)) throw new Error(`${where}: expected a string or a list of strings`);
  return list as string[];
}

export function mapping(value: unknown, where: string): Raw {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected a mapping`);
  return value as Raw;
}

export function onlyKeys(raw: Raw, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(raw)) if (!allowed.includes(k)) throw new Error(`${where}: unknown key '${k}'`);
}
