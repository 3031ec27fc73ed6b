/**
 * One JSON log line (as pino writes it) as a line for people on a terminal:
 * `12:34:56.789 INFO  [mapproxy.access 1] message key=value …`. The pid and the worker of ordinary lines are left
 * out (their messages name the process); an error's stack follows on its own lines.
 */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { time, level, msg, pid: _pid, worker, logger, err, ...fields } = entry;
  const when = typeof time === 'string' ? time.slice(11, 23) : typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  // the messages name their process already ('master: …', 'worker 1 (pid …)'); the logger's name says which log
  const name = typeof logger === 'string' ? ` [${logger}${worker !== undefined ? ` ${String(worker)}` : ''}]` : '';
  // access and upstream lines say everything in their message; their fields are for collectors
  const extra = typeof logger === 'string' ? '' : Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  let line = `${when} ${String(level ?? '').toUpperCase().padEnd(5)}${name} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`;
  if (err && typeof err === 'object') {
    const e = err as { stack?: unknown; message?: unknown };
    line += `${String(e.stack ?? e.message ?? JSON.stringify(err))}\n`;
  }
  return line;
}
