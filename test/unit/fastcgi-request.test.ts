import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl } from '../../src/core/http.js';
import { cgiResponse, coreRequestFromCgi } from '../../src/worker/adapters/fastcgi-request.js';

const cgi = (vars: Record<string, string>) => new Map(Object.entries(vars));
const latin1 = (utf8: string) => Buffer.from(utf8, 'utf8').toString('latin1');

test('nginx-style variables: SCRIPT_NAME is the mount point, PATH_INFO the path below it', () => {
  const req = coreRequestFromCgi(cgi({
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/proxy',
    PATH_INFO: '/service',
    QUERY_STRING: 'SERVICE=WMS&REQUEST=GetCapabilities',
    REQUEST_URI: '/proxy/service?SERVICE=WMS&REQUEST=GetCapabilities',
    HTTP_HOST: 'example.org:8080',
    HTTP_ACCEPT_ENCODING: 'gzip',
    HTTP_X_FORWARDED_FOR: '10.0.0.1',
    REMOTE_ADDR: '192.0.2.7',
    SERVER_PORT: '8080',
  }));
  assert.equal(req.method, 'GET');
  assert.equal(req.scriptName, '/proxy');
  assert.equal(req.path, '/service');
  assert.equal(req.query, 'SERVICE=WMS&REQUEST=GetCapabilities');
  assert.equal(req.remoteAddr, '192.0.2.7');
  assert.deepEqual(req.headers, { host: 'example.org:8080', 'accept-encoding': 'gzip', 'x-forwarded-for': '10.0.0.1' });
  assert.equal(req.body, undefined);
  assert.equal(baseUrl(req), 'http://example.org:8080/proxy');
});

test('without PATH_INFO the path is REQUEST_URI minus SCRIPT_NAME, percent-decoded', () => {
  const req = coreRequestFromCgi(cgi({
    SCRIPT_NAME: '/proxy', REQUEST_URI: '/proxy/tms/1.0.0/Stra%C3%9Fe/0/0/0.png?x=%20', QUERY_STRING: 'x=%20',
  }));
  assert.equal(req.path, '/tms/1.0.0/Straße/0/0/0.png');
  assert.equal(req.query, 'x=%20');
  // the mount point itself is the root
  assert.equal(coreRequestFromCgi(cgi({ SCRIPT_NAME: '/proxy', REQUEST_URI: '/proxy' })).path, '/');
  // a prefix that is not a whole path segment is not stripped
  assert.equal(coreRequestFromCgi(cgi({ SCRIPT_NAME: '/proxy', REQUEST_URI: '/proxyx/a' })).path, '/proxyx/a');
  // DOCUMENT_URI when there is no REQUEST_URI; nothing at all means '/'
  assert.equal(coreRequestFromCgi(cgi({ SCRIPT_NAME: '/p', DOCUMENT_URI: '/p/wmts/x' })).path, '/wmts/x');
  assert.equal(coreRequestFromCgi(cgi({})).path, '/');
  assert.equal(coreRequestFromCgi(cgi({})).method, 'GET');
});

test('PATH_INFO bytes are read as UTF-8', () => {
  const req = coreRequestFromCgi(cgi({ SCRIPT_NAME: '', PATH_INFO: latin1('/wmts/Straße/x.png') }));
  assert.equal(req.path, '/wmts/Straße/x.png');
  assert.equal(req.scriptName, '');
});

test('X-Script-Name wins over SCRIPT_NAME (Apache mod_proxy_fcgi sends the whole path as SCRIPT_NAME)', () => {
  const req = coreRequestFromCgi(cgi({
    SCRIPT_NAME: '/proxy/service', REQUEST_URI: '/proxy/service?REQUEST=GetCapabilities',
    HTTP_X_SCRIPT_NAME: '/proxy', HTTP_HOST: 'h',
  }));
  assert.equal(req.scriptName, '/proxy');
  assert.equal(req.path, '/service');
  assert.equal(baseUrl(req), 'http://h/proxy');
});

test('HTTPS=on means https URLs unless the proxy already said otherwise', () => {
  const on = coreRequestFromCgi(cgi({ HTTPS: 'on', HTTP_HOST: 'h', SCRIPT_NAME: '/p/' }));
  assert.equal(on.headers['x-forwarded-proto'], 'https');
  assert.equal(baseUrl(on), 'https://h/p');
  const scheme = coreRequestFromCgi(cgi({ REQUEST_SCHEME: 'https', HTTP_HOST: 'h' }));
  assert.equal(baseUrl(scheme), 'https://h');
  const forwarded = coreRequestFromCgi(cgi({ HTTPS: 'on', HTTP_X_FORWARDED_PROTO: 'http', HTTP_HOST: 'h' }));
  assert.equal(forwarded.headers['x-forwarded-proto'], 'http');
  const off = coreRequestFromCgi(cgi({ HTTPS: 'off', HTTP_HOST: 'h' }));
  assert.equal(off.headers['x-forwarded-proto'], undefined);
});

test('content type, length and body; SERVER_NAME stands in for a missing Host', () => {
  const body = Buffer.from('<GetMap/>');
  const req = coreRequestFromCgi(cgi({
    REQUEST_METHOD: 'post', CONTENT_TYPE: 'text/xml', CONTENT_LENGTH: '9', SERVER_NAME: 'srv', SERVER_PORT: '81',
  }), body);
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['content-type'], 'text/xml');
  assert.equal(req.headers['content-length'], '9');
  assert.deepEqual(req.body, body);
  assert.equal(req.headers['host'], 'srv:81');
  assert.equal(coreRequestFromCgi(cgi({ SERVER_NAME: 'srv', SERVER_PORT: '80' })).headers['host'], 'srv');
  assert.equal(coreRequestFromCgi(cgi({ SERVER_NAME: 'srv', SERVER_PORT: '443', HTTPS: 'on' })).headers['host'], 'srv');
});

test('the CGI response: Status line, headers, Content-Length, body (none for HEAD)', () => {
  const res = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'not found' };
  assert.equal(cgiResponse(res, 'GET').toString(),
    'Status: 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found');
  assert.equal(cgiResponse(res, 'HEAD').toString(),
    'Status: 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n');
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
  const out = cgiResponse({ status: 200, headers: { 'content-length': '6', 'X-Bad': 'a\r\nInjected: yes' }, body: png }, 'GET');
  const head = 'Status: 200 OK\r\ncontent-length: 6\r\nX-Bad: a Injected: yes\r\n\r\n';
  assert.equal(out.subarray(0, head.length).toString(), head);
  assert.deepEqual(out.subarray(head.length), png);
});
