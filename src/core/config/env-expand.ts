/**
 * `$NAME` / `${NAME}` expansion in every string value of a parsed YAML tree, as MapProxy does after loading each
 * file (`mapproxy/util/yaml.py`): `$` + word characters, or `${anything but }}`; an unset variable stays literally
 * as written. Mapping keys are not expanded.
 */
const VAR_RE = /\$(?:([\p{L}\p{N}_]+)|\{([^}]+)\})/gu;

export type UnsetVariableHandler = (name: string) => void;

export function expandEnvString(s: string, env: Record<string, string | undefined>, onUnset: UnsetVariableHandler): string {
  if (!s.includes('$')) return s;
  return s.replace(VAR_RE, (whole, bare: string | undefined, braced: string | undefined) => {
    const name = bare ?? braced ?? '';
    const v = env[name];
    if (v === undefined) {
      onUnset(name);
      return whole;
    }
    return v;
  });
}

/** Returns a copy of `value` with every string value expanded. */
export function expandEnv(value: unknown, env: Record<string, string | undefined>, onUnset: UnsetVariableHandler): unknown {
  if (typeof value === 'string') return expandEnvString(value, env, onUnset);
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env, onUnset));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, onUnset);
    return out;
  }
  return value;
}
