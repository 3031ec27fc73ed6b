import { spawn } from 'node:child_process';
import { HTTPClientError, type RequestInfo } from './http-client.js';

export interface CgiClientOptions {
  /** The CGI executable (e.g. /usr/lib/cgi-bin/mapserv). */
  script: string;
  /** Working directory; default the script's directory (as MapProxy). */
  workingDir?: string;
  /** Extra environment, on top of this process's environment. */
  env?: Readonly<Record<string, string>>;
  /** Seconds before the process is killed (`client_timeout`). Default 60. */
  timeout?: number;
  onRequest?: (info: RequestInfo) => void;
}

export interface CgiResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a CGI answer at the first empty line (LF LF or CRLF CRLF), as MapProxy's split_cgi_response. */
export function splitCgiResponse(output: Buffer): CgiResponse {
  const headers: Record<string, string> = {};
  let pos = 0;
  for (;;) {
    const nl = output.indexOf(0x0a, pos);
    if (nl < 0) return { status: 200, headers: {}, body: output };
    const line = output.subarray(pos, nl).toString('latin1').replace(/\r$/, '');
    if (line === '') {
      const body = output.subarray(nl + 1);
      const m = /^(\d{3})\b/.exec(headers['status'] ?? '');
      return { status: m ? Number(m[1]) : 200, headers, body };
    }
    const colon = line.indexOf(':');
    if (colon >= 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    else headers[line.trim().toLowerCase()] = '';
    pos = nl + 1;
  }
}

/** Runs a CGI program once per request (MapProxy's CGIClient): GET only, the query in QUERY_STRING. */
export class CgiClient {
  constructor(private readonly opts: CgiClientOptions) {}

  get script(): string {
    return this.opts.script;
  }

  run(queryString: string): Promise<CgiResponse> {
    const { script } = this.opts;
    const env = {
      ...process.env,
      ...this.opts.env,
      QUERY_STRING: queryString,
      REQUEST_METHOD: 'GET',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_ADDR: '127.0.0.1',
      SERVER_NAME: 'localhost',
      SERVER_PROTOCOL: 'HTTP/1.0',
      SERVER_SOFTWARE: 'MapProxy',
    };
    const cwd = this.opts.workingDir ?? script.replace(/\/[^/]*$/, '') ?? '.';
    const timeoutMs = (this.opts.timeout ?? 60) * 1000;
    const label = `${script}:${queryString}`;
    const start = performance.now();
    const report = (status?: number, error?: string): void =>
      this.opts.onRequest?.({ url: label, method: 'CGI', status, durationMs: performance.now() - start, error });

    return new Promise((resolve, reject) => {
      const fail = (err: HTTPClientError): void => {
        report(undefined, err.fullMessage);
        reject(err);
      };
      const child = spawn(script, [], { env, cwd: cwd || '.', stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let errLen = 0;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => {
        // keep the start of stderr only: enough to explain the failure
        if (errLen < 4000) errOut.push(c);
        errLen += c.length;
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = err.code === 'ENOENT' ? 'CGI script not found' : err.code === 'EACCES' ? 'No permission for CGI script' : 'Could not run CGI script';
        fail(new HTTPClientError(`${why} (${script})`, undefined, `${why} (${script}): ${err.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(errOut).toString('utf8').trim().slice(0, 4000);
        const suffix = stderr ? `: ${stderr}` : '';
        if (timedOut) {
          fail(new HTTPClientError(`No response from CGI script (${script}): timed out after ${timeoutMs / 1000} s${suffix}`));
          return;
        }
        if (code !== 0) {
          const what = code === null ? `signal ${signal}` : `exit code: ${code}`;
          fail(new HTTPClientError(`Error during CGI call (${what})${suffix}`));
          return;
        }
        const res = splitCgiResponse(Buffer.concat(out));
        report(res.status);
        resolve(res);
      });
    });
  }
}
