/**
 * The same authorization answers given to MapProxy 1.15 (Debian's, through its WSGI app with
 * `mapproxy.authorize` in the environ) and to us, on MapProxy's own auth.yaml fixture: status, content type,
 * cache headers, body of refusals, and the layers capabilities list.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';
import type { AuthResult } from '../../src/core/auth/authorize.js';
import { PYTHON } from '../support/mapproxy-reference.js';
import { get } from '../support/our-app.js';

const FIXTURE = '/usr/lib/python3/dist-packages/mapproxy/test/system/fixture/auth.yaml';

interface Case { path: string; answer: AuthResult }
interface Seen { status: number; contentType: string; noCache: boolean; body: string }

const PARTIAL: AuthResult = { authorized: 'partial', layers: { layer1a: { map: true, tile: true }, layer2: { map: true }, layer2b: { map: true }, layer2b1: { map: true, tile: true } } };
const CASES: Case[] = [
  { path: '/service?request=GetCapabilities&service=WMS&version=1.1.1', answer: { authorized: 'none' } },
  { path: '/service?request=GetCapabilities&service=WMS&version=1.1.1', answer: { authorized: 'unauthenticated' } },
  { path: '/service?request=GetCapabilities&service=WMS&version=1.1.1', answer: PARTIAL },
  { path: '/service?request=GetMap&service=WMS&version=1.1.1&srs=EPSG:4326&bbox=-80,-40,0,0&width=20&height=10&styles=&format=image/png&layers=layer1', answer: { authorized: 'none' } },
  { path: '/service?request=GetMap&service=WMS&version=1.1.1&srs=EPSG:4326&bbox=-80,-40,0,0&width=20&height=10&styles=&format=image/png&layers=layer1&exceptions=application/vnd.ogc.se_inimage', answer: { authorized: 'unauthenticated' } },
  { path: '/tms/1.0.0', answer: { authorized: 'none' } },
  { path: '/tms/1.0.0', answer: PARTIAL },
  { path: '/tms/1.0.0/layer1_EPSG900913', answer: { authorized: 'partial', layers: { layer1: { tile: false } } } },
  { path: '/tms/1.0.0/layer1_EPSG900913/0/0/0.png', answer: { authorized: 'unauthenticated' } },
  { path: '/tiles/layer1/0/0/0.png', answer: { authorized: 'none' } },
  { path: '/wmts/1.0.0/WMTSCapabilities.xml', answer: { authorized: 'none' } },
  { path: '/wmts/1.0.0/WMTSCapabilities.xml', answer: PARTIAL },
  { path: '/wmts/layer1/GLOBAL_MERCATOR/0/0/0.png', answer: { authorized: 'none' } },
  { path: '/service?service=WMTS&request=GetTile&version=1.0.0&layer=layer1&style=&tilematrixset=GLOBAL_MERCATOR&tilematrix=0&tilerow=0&tilecol=0&format=image/png', answer: { authorized: 'unauthenticated' } },
  { path: '/kml/layer1/0/0/0.kml', answer: { authorized: 'none' } },
  { path: '/kml/layer1/0/0/0.kml', answer: { authorized: 'unauthenticated' } },
  { path: '/demo/', answer: { authorized: 'none' } },
  { path: '/demo/', answer: { authorized: 'unauthenticated' } },
];

const SCRIPT = `
import io, json, sys
from mapproxy.wsgiapp import make_wsgi_app
app = make_wsgi_app(sys.argv[1])
out = []
for case in json.loads(sys.stdin.read()):
    path, _, query = case['path'].partition('?')
    answer = case['answer']
    env = {'REQUEST_METHOD': 'GET', 'PATH_INFO': path, 'QUERY_STRING': query, 'SERVER_NAME': 'localhost',
           'SERVER_PORT': '80', 'HTTP_HOST': 'localhost', 'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(),
           'wsgi.errors': io.StringIO(), 'mapproxy.authorize': lambda *a, **k: answer}
    seen = {}
    def start(status, headers, exc=None):
        seen['status'] = int(status.split()[0]); seen['headers'] = dict((k.lower(), v) for k, v in headers)
    body = b''.join(app(env, start))
    h = seen['headers']
    out.append({'status': seen['status'], 'contentType': h.get('content-type', ''),
                'noCache': 'no-cache' in h.get('cache-control', ''), 'body': body.decode('latin1')})
print(json.dumps(out))
`;

/** What a capabilities document lists (WMS Name, TMS title, WMTS Identifier), or the body itself. */
function essence(s: Seen): Seen {
  const names = [...s.body.matchAll(/<Name>([^<]*)<\/Name>|<TileMap[^>]*title="([^"]*)"|<ows:Identifier>(layer[^<]*)<\/ows:Identifier>/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  return { ...s, body: names.length ? names.sort().join(',') : s.body, contentType: s.contentType.split(';')[0]!.trim() };
}

describe('authorization side by side with MapProxy 1.15', { skip: !existsSync(FIXTURE) && 'MapProxy 1.15 is not installed' }, () => {
  let app: App;
  let reference: Seen[];
  let answer: AuthResult = { authorized: 'full' };

  before(async () => {
    reference = JSON.parse(execFileSync(PYTHON, ['-c', SCRIPT, FIXTURE], { input: JSON.stringify(CASES), maxBuffer: 1 << 24 }).toString());
    app = await createApp(FIXTURE, { authorize: () => answer, log: { warn() {}, error() {} } });
  });

  for (const [i, c] of CASES.entries()) {
    it(`${c.answer.authorized} ${c.path.slice(0, 70)}`, async () => {
      answer = c.answer;
      const res = await get(app, c.path);
      const ours: Seen = { status: res.status, contentType: res.headers['content-type'] ?? '', noCache: (res.headers['cache-control'] ?? '').includes('no-cache'), body: res.body.toString('latin1') };
      assert.deepEqual(essence(ours), essence(reference[i]!));
    });
  }
});
