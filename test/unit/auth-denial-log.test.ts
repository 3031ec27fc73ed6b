/** Refusals: every one counted with its reason, one log line per reason and interval, nothing of the query. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessDenied } from '../../src/core/auth/access-denied.js';
import { DenialLog } from '../../src/core/auth/denial-log.js';
import { askAuthorize } from '../../src/core/auth/hook-answer.js';
import type { AuthorizeFn } from '../../src/core/auth/authorize.js';
import type { CoreRequest } from '../../src/core/http.js';

const REQ: CoreRequest = { method: 'GET', path: '/tms/1.0.0/x/0/0/0.png', query: 'apikey=s3cret-key', headers: { 'x-api-key': 's3cret-key' }, remoteAddr: '198.51.100.4' };

describe('denial log', () => {
  it('counts each refusal and folds repeats of a reason into the next line after the interval', () => {
    let now = 0;
    const counted: string[] = [];
    const lines: string[] = [];
    const log = new DenialLog({ accessDenied: (r, s) => void counted.push(`${s} ${r}`) }, { warn: (m) => void lines.push(m) }, 1000, () => now);
    log.record(AccessDenied.unauthenticated('bad_key'), REQ);
    log.record(AccessDenied.unauthenticated('bad_key'), REQ);
    log.record(AccessDenied.forbidden('layer'), REQ);
    now = 500;
    log.record(AccessDenied.unauthenticated('bad_key'), REQ);
    now = 1500;
    log.record(AccessDenied.unauthenticated('bad_key'), REQ);
    assert.deepEqual(counted, ['401 bad_key', '401 bad_key', '403 layer', '401 bad_key', '401 bad_key']);
    assert.deepEqual(lines, [
      'access denied: 401 bad_key GET "/tms/1.0.0/x/0/0/0.png" from 198.51.100.4',
      'access denied: 403 layer GET "/tms/1.0.0/x/0/0/0.png" from 198.51.100.4',
      'access denied: 401 bad_key GET "/tms/1.0.0/x/0/0/0.png" from 198.51.100.4 (2 more since the last line)',
    ]);
  });

  it('a path with line breaks cannot forge a log line', () => {
    const lines: string[] = [];
    new DenialLog({ accessDenied() {} }, { warn: (m) => void lines.push(m) }).record(AccessDenied.forbidden(), { ...REQ, path: '/x\nFAKE line' });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes('\n'));
  });
});

describe('reasons of a hook answer', () => {
  const req = (authorize: AuthorizeFn): CoreRequest => ({ ...REQ, hooks: { authorize } });
  it('a reason of ours is kept; anything else is counted as the plain answer', async () => {
    const reasonOf = (e: unknown) => (e as AccessDenied).reason;
    await assert.rejects(askAuthorize(req(() => ({ authorized: 'unauthenticated', reason: 'token_expired' })), 'tms', ['x'], null), (e) => reasonOf(e) === 'token_expired');
    // a hook's own text (which could hold anything, even a key) never becomes a label
    const hostile = (() => ({ authorized: 'unauthenticated', reason: 's3cret-key' })) as unknown as AuthorizeFn;
    await assert.rejects(askAuthorize(req(hostile), 'tms', ['x'], null), (e) => reasonOf(e) === 'unauthenticated');
  });
});
