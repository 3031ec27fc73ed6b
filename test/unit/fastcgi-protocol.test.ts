import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FCGI_MAX_CONTENT, FastCgiProtocolError, RecordParser, RecordType, decodeBeginRequest, decodeEndRequest,
  decodeNameValuePairs, encodeBeginRequest, encodeEndRequest, encodeNameValuePairs, encodeRecord, encodeStream,
} from '../../src/worker/adapters/fastcgi-protocol.js';

test('a record has the 8-byte header and is padded to a multiple of 8', () => {
  const rec = encodeRecord(RecordType.STDOUT, 0x1234, Buffer.from('hello'));
  assert.equal(rec.length, 16);
  assert.deepEqual([...rec.subarray(0, 8)], [1, 6, 0x12, 0x34, 0, 5, 3, 0]);
  assert.equal(rec.subarray(8, 13).toString(), 'hello');
  assert.equal(encodeRecord(RecordType.STDIN, 1).length, 8);
  assert.throws(() => encodeRecord(RecordType.STDOUT, 1, Buffer.alloc(FCGI_MAX_CONTENT + 1)), RangeError);
});

test('records survive a round trip, whatever the socket chunking', () => {
  const big = Buffer.alloc(FCGI_MAX_CONTENT, 7);
  const input = Buffer.concat([
    encodeRecord(RecordType.BEGIN_REQUEST, 1, encodeBeginRequest({ role: 1, flags: 1 })),
    encodeRecord(RecordType.PARAMS, 1, Buffer.from('abc')),
    encodeRecord(RecordType.STDIN, 1, big),
    encodeRecord(RecordType.STDIN, 65535),
  ]);
  const expect = [
    { type: 1, requestId: 1, content: encodeBeginRequest({ role: 1, flags: 1 }) },
    { type: 4, requestId: 1, content: Buffer.from('abc') },
    { type: 5, requestId: 1, content: big },
    { type: 5, requestId: 65535, content: Buffer.alloc(0) },
  ];
  // all at once
  assert.deepEqual(new RecordParser().push(input), expect);
  // byte by byte for the small ones, odd chunk sizes for the rest
  for (const size of [1, 3, 8, 1000, 70_001]) {
    const parser = new RecordParser();
    const got = [];
    for (let off = 0; off < input.length; off += size) got.push(...parser.push(input.subarray(off, off + size)));
    assert.deepEqual(got, expect, `chunk size ${size}`);
    assert.equal(parser.buffered, 0);
  }
});

test('a stream is split into records of at most 65535 bytes', () => {
  const data = Buffer.alloc(150_000);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const records = new RecordParser().push(Buffer.concat(encodeStream(RecordType.STDOUT, 3, data)));
  assert.deepEqual(records.map((r) => r.content.length), [65535, 65535, 18930]);
  assert.ok(records.every((r) => r.type === RecordType.STDOUT && r.requestId === 3));
  assert.deepEqual(Buffer.concat(records.map((r) => r.content)), data);
  assert.deepEqual(encodeStream(RecordType.STDOUT, 3, Buffer.alloc(0)), []);
});

test('a record of another protocol version is refused', () => {
  const rec = encodeRecord(RecordType.STDIN, 1, Buffer.from('x'));
  rec[0] = 2;
  assert.throws(() => new RecordParser().push(rec), FastCgiProtocolError);
  assert.throws(() => new RecordParser().push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), FastCgiProtocolError);
});

test('name-value pairs use 1-byte lengths below 128 and 4-byte lengths from 128 on', () => {
  const short = encodeNameValuePairs([['AB', 'xyz']]);
  assert.deepEqual([...short.subarray(0, 2)], [2, 3]);
  const n127 = 'N'.repeat(127);
  const n128 = 'M'.repeat(128);
  const long = encodeNameValuePairs([[n128, 'v']]);
  assert.deepEqual([...long.subarray(0, 5)], [0x80, 0, 0, 128, 1]);
  const pairs: [string, string][] = [
    ['REQUEST_METHOD', 'GET'],
    ['EMPTY', ''],
    [n127, n128],
    [n128, n127],
    ['H'.repeat(300), 'v'.repeat(70_000)],
    ['QUERY_STRING', 'a=1&b=%20'],
  ];
  assert.deepEqual(decodeNameValuePairs(encodeNameValuePairs(pairs)), pairs);
});

test('name-value pairs keep every byte (latin1) so UTF-8 paths can be re-read', () => {
  const path = Buffer.from('/wms/Straße', 'utf8').toString('latin1');
  const [[, value]] = decodeNameValuePairs(encodeNameValuePairs([['PATH_INFO', path]]));
  assert.equal(Buffer.from(value, 'latin1').toString('utf8'), '/wms/Straße');
});

test('truncated name-value data is a protocol error', () => {
  const ok = encodeNameValuePairs([['NAME', 'value'], ['X'.repeat(200), 'y']]);
  for (const cut of [1, 5, ok.length - 1, 12, 13]) {
    assert.throws(() => decodeNameValuePairs(ok.subarray(0, cut)), FastCgiProtocolError, `cut at ${cut}`);
  }
  assert.deepEqual(decodeNameValuePairs(Buffer.alloc(0)), []);
});

test('BEGIN_REQUEST and END_REQUEST bodies', () => {
  assert.deepEqual(decodeBeginRequest(encodeBeginRequest({ role: 1, flags: 1 })), { role: 1, flags: 1 });
  assert.deepEqual([...encodeBeginRequest({ role: 3, flags: 0 })], [0, 3, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => decodeBeginRequest(Buffer.alloc(7)), FastCgiProtocolError);
  const end = encodeEndRequest({ appStatus: 0xfffffffe, protocolStatus: 2 });
  assert.deepEqual(decodeEndRequest(end), { appStatus: 0xfffffffe, protocolStatus: 2 });
});
