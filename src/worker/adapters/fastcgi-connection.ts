/**
 * One FastCGI connection from a web server: the responder role's state machine.
 * BEGIN_REQUEST → PARAMS… (empty PARAMS ends them) → STDIN… (empty STDIN ends it) → the core
 * handles the request → STDOUT… → empty STDOUT → END_REQUEST. Several requests may be in
 * flight on one connection at once (we announce FCGI_MPXS_CONNS=1); each keeps its own state.
 */
import type { Socket } from 'node:net';
import type { RequestHandler } from '../../core/node-http-adapter.js';
import { textResponse, type CoreResponse } from '../../core/http.js';
import {
  FCGI_KEEP_CONN, FCGI_NULL_REQUEST_ID, FastCgiProtocolError, ProtocolStatus, RecordParser, RecordType, Role,
  decodeBeginRequest, decodeNameValuePairs, encodeEndRequest, encodeNameValuePairs, encodeRecord, encodeStream,
  encodeUnknownType, type FcgiRecord,
} from './fastcgi-protocol.js';
import { cgiResponse, coreRequestFromCgi } from './fastcgi-request.js';

/** What all connections of one server share. */
export interface FastCgiConnectionContext {
  handler: RequestHandler;
  log: Pick<Console, 'warn' | 'error'>;
  /** Limit of one request's PARAMS; more is a broken or hostile peer. */
  maxParamsBytes: number;
  /** Request bodies above this get 413 instead of reaching the core. */
  maxBodyBytes: number;
  /** Output not taken by the peer within this time ends the connection (a web server that stopped reading). */
  sendTimeoutMs: number;
  /** Admits one more request in flight, or refuses (→ FCGI_OVERLOADED). */
  admit(): boolean;
  release(): void;
  /** Answers to GET_VALUES (FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS). */
  values: ReadonlyMap<string, string>;
}

type Phase = 'params' | 'stdin' | 'running';

interface RequestState {
  readonly id: number;
  readonly keepConn: boolean;
  phase: Phase;
  params: Buffer[];
  paramsBytes: number;
  stdin: Buffer[];
  stdinBytes: number;
  bodyTooLarge: boolean;
}

export class FastCgiConnection {
  private readonly parser = new RecordParser();
  private readonly requests = new Map<number, RequestState>();
  private closing = false;
  private closed = false;
  /** Runs while written output waits in the socket's buffer. */
  private sendTimer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Socket, private readonly ctx: FastCgiConnectionContext) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // After our end() has flushed, nothing more is owed to the peer.
    socket.on('finish', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.stopSendTimer());
  }

  private stopSendTimer(): void {
    clearTimeout(this.sendTimer);
    this.sendTimer = undefined;
  }

  get activeRequests(): number {
    return this.requests.size;
  }

  /** Finish the requests in flight, then close (server shutdown). */
  closeWhenIdle(): void {
    this.closing = true;
    if (this.requests.size === 0) this.end();
  }

  private end(): void {
    if (!this.closed && !this.socket.writableEnded) this.socket.end();
  }

  private onClose(): void {
    this.closed = true;
    this.stopSendTimer();
    for (let i = 0; i < this.requests.size; i++) this.ctx.release();
    this.requests.clear();
  }

  private onData(chunk: Buffer): void {
    try {
      for (const record of this.parser.push(chunk)) {
        if (this.closed) return;
        this.onRecord(record);
      }
    } catch (err) {
      // Whatever went wrong, it ends this connection only, never the process.
      if (err instanceof FastCgiProtocolError) this.ctx.log.warn(`FastCGI: closing connection: ${err.message}`);
      else this.ctx.log.error('FastCGI: closing connection', err);
      this.socket.destroy();
    }
  }

  private onRecord(rec: FcgiRecord): void {
    if (rec.requestId === FCGI_NULL_REQUEST_ID) {
      this.onManagementRecord(rec);
      return;
    }
    const state = this.requests.get(rec.requestId);
    switch (rec.type) {
      case RecordType.BEGIN_REQUEST:
        this.onBeginRequest(rec, state);
        return;
      case RecordType.ABORT_REQUEST:
        if (state) this.finish(state, [], 0);
        return;
      case RecordType.PARAMS:
        // Records of requests that are not (or no longer) active are ignored, as the spec asks.
        if (state?.phase === 'params') this.onParams(state, rec.content);
        return;
      case RecordType.STDIN:
        if (state?.phase === 'stdin') this.onStdin(state, rec.content);
        return;
      case RecordType.DATA:
        return; // only the FILTER role reads DATA
      default:
        throw new FastCgiProtocolError(`unexpected record type ${rec.type} for request ${rec.requestId}`);
    }
  }

  private onManagementRecord(rec: FcgiRecord): void {
    if (rec.type === RecordType.GET_VALUES) {
      const asked = decodeNameValuePairs(rec.content);
      const answer: [string, string][] = [];
      for (const [name] of asked) {
        const value = this.ctx.values.get(name);
        if (value !== undefined) answer.push([name, value]);
      }
      this.write([encodeRecord(RecordType.GET_VALUES_RESULT, 0, encodeNameValuePairs(answer))]);
    } else {
      this.write([encodeRecord(RecordType.UNKNOWN_TYPE, 0, encodeUnknownType(rec.type))]);
    }
  }

  private onBeginRequest(rec: FcgiRecord, existing: RequestState | undefined): void {
    if (existing) throw new FastCgiProtocolError(`BEGIN_REQUEST for active request ${rec.requestId}`);
    const { role, flags } = decodeBeginRequest(rec.content);
    const keepConn = (flags & FCGI_KEEP_CONN) !== 0;
    const refuse = (protocolStatus: number) => {
      this.write([encodeRecord(RecordType.END_REQUEST, rec.requestId, encodeEndRequest({ appStatus: 0, protocolStatus }))]);
      if (!keepConn) this.end();
    };
    if (role !== Role.RESPONDER) return refuse(ProtocolStatus.UNKNOWN_ROLE);
    if (this.closing || !this.ctx.admit()) return refuse(ProtocolStatus.OVERLOADED);
    this.requests.set(rec.requestId, {
      id: rec.requestId, keepConn, phase: 'params', params: [], paramsBytes: 0, stdin: [], stdinBytes: 0,
      bodyTooLarge: false,
    });
  }

  private onParams(state: RequestState, content: Buffer): void {
    if (content.length === 0) {
      state.phase = 'stdin';
      return;
    }
    state.paramsBytes += content.length;
    if (state.paramsBytes > this.ctx.maxParamsBytes) {
      throw new FastCgiProtocolError(`PARAMS of request ${state.id} exceed ${this.ctx.maxParamsBytes} bytes`);
    }
    state.params.push(content);
  }

  private onStdin(state: RequestState, content: Buffer): void {
    if (content.length === 0) {
      state.phase = 'running';
      // Decoding errors are protocol errors and must surface here, in the data handler.
      const params = new Map(decodeNameValuePairs(Buffer.concat(state.params)));
      state.params = [];
      this.run(state, params).catch((err: unknown) => {
        this.ctx.log.error('FastCGI: cannot answer request', err);
        this.socket.destroy();
      });
      return;
    }
    if (state.bodyTooLarge) return;
    state.stdinBytes += content.length;
    if (state.stdinBytes > this.ctx.maxBodyBytes) {
      state.bodyTooLarge = true;
      state.stdin = [];
      return;
    }
    state.stdin.push(content);
  }

  private async run(state: RequestState, params: Map<string, string>): Promise<void> {
    const req = coreRequestFromCgi(params, Buffer.concat(state.stdin));
    state.stdin = [];
    let res: CoreResponse;
    if (state.bodyTooLarge) {
      res = textResponse(413, 'request body too large');
    } else {
      try {
        res = await this.ctx.handler.handle(req);
      } catch (err) {
        this.ctx.log.error('internal error', err);
        res = textResponse(500, 'internal error');
      }
    }
    // Aborted, or the web server went away, while the core was busy: nobody wants the answer.
    if (this.requests.get(state.id) !== state) return;
    this.finish(state, encodeStream(RecordType.STDOUT, state.id, cgiResponse(res, req.method)), 0);
  }

  /** Send the rest of a request's output, its end-of-stream and END_REQUEST; forget it. */
  private finish(state: RequestState, stdout: Buffer[], appStatus: number): void {
    this.requests.delete(state.id);
    this.ctx.release();
    this.write([
      ...stdout,
      encodeRecord(RecordType.STDOUT, state.id),
      encodeRecord(RecordType.END_REQUEST, state.id,
        encodeEndRequest({ appStatus, protocolStatus: ProtocolStatus.REQUEST_COMPLETE })),
    ]);
    if (!state.keepConn || (this.closing && this.requests.size === 0)) this.end();
  }

  private write(records: Buffer[]): void {
    if (this.closed || this.socket.writableEnded || this.socket.destroyed) return;
    this.socket.cork();
    for (const r of records) this.socket.write(r);
    this.socket.uncork();
    // Answers are buffered whole; a peer that does not take them must not keep them (and us) forever.
    if (this.socket.writableNeedDrain && !this.sendTimer) {
      this.sendTimer = setTimeout(() => this.socket.destroy(), this.ctx.sendTimeoutMs);
      this.sendTimer.unref();
    }
  }
}
