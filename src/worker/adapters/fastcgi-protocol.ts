/**
 * The FastCGI 1.0 wire format: records, name-value pairs and the fixed bodies of
 * BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE. Pure functions over buffers; the connection
 * logic that gives records a meaning lives in fastcgi-connection.ts.
 */

export const FCGI_VERSION_1 = 1;
export const FCGI_HEADER_LEN = 8;
/** The largest content one record can carry (16-bit length field). */
export const FCGI_MAX_CONTENT = 0xffff;
/** Management records (GET_VALUES, UNKNOWN_TYPE) use request id 0. */
export const FCGI_NULL_REQUEST_ID = 0;

export const RecordType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

export const Role = { RESPONDER: 1, AUTHORIZER: 2, FILTER: 3 } as const;

/** BEGIN_REQUEST flag: keep the connection open after this request ends. */
export const FCGI_KEEP_CONN = 1;

export const ProtocolStatus = {
  REQUEST_COMPLETE: 0,
  CANT_MPX_CONN: 1,
  OVERLOADED: 2,
  UNKNOWN_ROLE: 3,
} as const;

export interface FcgiRecord {
  type: number;
  requestId: number;
  content: Buffer;
}

/** A peer broke the protocol; the connection cannot be trusted any more. */
export class FastCgiProtocolError extends Error {
  override name = 'FastCgiProtocolError';
}

/** One record, padded to a multiple of 8 bytes as the specification recommends. */
export function encodeRecord(type: number, requestId: number, content: Buffer = Buffer.alloc(0)): Buffer {
  if (content.length > FCGI_MAX_CONTENT) throw new RangeError(`record content too long: ${content.length}`);
  const padding = (8 - (content.length % 8)) % 8;
  const out = Buffer.alloc(FCGI_HEADER_LEN + content.length + padding);
  out[0] = FCGI_VERSION_1;
  out[1] = type;
  out.writeUInt16BE(requestId, 2);
  out.writeUInt16BE(content.length, 4);
  out[6] = padding;
  content.copy(out, FCGI_HEADER_LEN);
  return out;
}

/**
 * A stream (PARAMS, STDIN, STDOUT, …) as records of at most `maxChunk` bytes. The empty
 * record that ends a stream is not included: callers add it when the stream is complete.
 */
export function encodeStream(type: number, requestId: number, data: Buffer, maxChunk = FCGI_MAX_CONTENT): Buffer[] {
  const records: Buffer[] = [];
  for (let off = 0; off < data.length; off += maxChunk) {
    records.push(encodeRecord(type, requestId, data.subarray(off, off + maxChunk)));
  }
  return records;
}

/**
 * Splits a byte stream into records. Feed it socket chunks in order; it keeps incomplete
 * records until the rest arrives. Throws FastCgiProtocolError for a version other than 1.
 */
export class RecordParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): FcgiRecord[] {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const records: FcgiRecord[] = [];
    let off = 0;
    while (buf.length - off >= FCGI_HEADER_LEN) {
      const version = buf[off];
      if (version !== FCGI_VERSION_1) throw new FastCgiProtocolError(`unsupported FastCGI version ${version}`);
      const type = buf[off + 1];
      const requestId = buf.readUInt16BE(off + 2);
      const contentLength = buf.readUInt16BE(off + 4);
      const paddingLength = buf[off + 6];
      const total = FCGI_HEADER_LEN + contentLength + paddingLength;
      if (buf.length - off < total) break;
      const start = off + FCGI_HEADER_LEN;
      records.push({ type, requestId, content: buf.subarray(start, start + contentLength) });
      off += total;
    }
    // Copy the remainder so that a small leftover does not pin a large socket chunk.
    this.pending = off === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(off));
    return records;
  }

  /** Bytes of a record that has started but not yet completed. */
  get buffered(): number {
    return this.pending.length;
  }
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n > 0x7fffffff) throw new RangeError(`name-value length too long: ${n}`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

/** Name-value pairs (PARAMS, GET_VALUES bodies): lengths of 1 byte below 128, else 4 bytes with the top bit set. */
export function encodeNameValuePairs(pairs: Iterable<readonly [string, string]>, encoding: BufferEncoding = 'latin1'): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of pairs) {
    const n = Buffer.from(name, encoding);
    const v = Buffer.from(value, encoding);
    parts.push(encodeLength(n.length), encodeLength(v.length), n, v);
  }
  return Buffer.concat(parts);
}

/**
 * The inverse of encodeNameValuePairs. Bytes decode as latin1 by default, which keeps every
 * byte (CGI variables are bytes; callers re-decode paths as UTF-8). Throws on truncated data.
 */
export function decodeNameValuePairs(buf: Buffer, encoding: BufferEncoding = 'latin1'): [string, string][] {
  const pairs: [string, string][] = [];
  let off = 0;
  const readLength = (): number => {
    if (off >= buf.length) throw new FastCgiProtocolError('truncated name-value length');
    if (buf[off] < 0x80) return buf[off++];
    if (off + 4 > buf.length) throw new FastCgiProtocolError('truncated name-value length');
    const n = buf.readUInt32BE(off) & 0x7fffffff;
    off += 4;
    return n;
  };
  while (off < buf.length) {
    const nameLength = readLength();
    const valueLength = readLength();
    if (off + nameLength + valueLength > buf.length) throw new FastCgiProtocolError('truncated name-value pair');
    const name = buf.toString(encoding, off, off + nameLength);
    off += nameLength;
    const value = buf.toString(encoding, off, off + valueLength);
    off += valueLength;
    pairs.push([name, value]);
  }
  return pairs;
}

export interface BeginRequestBody {
  role: number;
  flags: number;
}

export function encodeBeginRequest(body: BeginRequestBody): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(body.role, 0);
  b[2] = body.flags;
  return b;
}

export function decodeBeginRequest(content: Buffer): BeginRequestBody {
  if (content.length !== 8) throw new FastCgiProtocolError(`BEGIN_REQUEST body of ${content.length} bytes`);
  return { role: content.readUInt16BE(0), flags: content[2] };
}

export interface EndRequestBody {
  appStatus: number;
  protocolStatus: number;
}

export function encodeEndRequest(body: EndRequestBody): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(body.appStatus >>> 0, 0);
  b[4] = body.protocolStatus;
  return b;
}

export function decodeEndRequest(content: Buffer): EndRequestBody {
  if (content.length !== 8) throw new FastCgiProtocolError(`END_REQUEST body of ${content.length} bytes`);
  return { appStatus: content.readUInt32BE(0), protocolStatus: content[4] };
}

export function encodeUnknownType(type: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = type;
  return b;
}
