// globals.image.font_dir: MapProxy draws watermarks with <font_dir>/DejaVuSans.ttf, whatever font that file holds.
// A serif font (Liberation Serif, fonts-liberation) copied there under that name must change our watermark into
// that font's: compared with Pillow drawing the text with each font file (MapProxy 7's centred layout). Each
// rendering runs in a child process, as fontconfig reads its configuration once per process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PYTHON } from '../support/mapproxy-reference.js';

const SERIF = '/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf';
const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const skip = !existsSync(SERIF) || !existsSync(DEJAVU) ? 'fonts-liberation or fonts-dejavu-core missing' : false;
const TEXT = 'MapProxy';
const SIZE = 24;

function config(fontDir: string | null): string {
  return `
globals: {image: {${fontDir === null ? '' : `font_dir: ${fontDir}`}}}
services: {tms: {}}
layers: [{name: wm, title: wm, sources: [wm]}]
caches: {wm: {grids: [GLOBAL_WEBMERCATOR], sources: [], watermark: {text: ${TEXT}, font_size: ${SIZE}}}}
`;
}

/** Our watermark's coverage on a 256×256 tile, rendered in a fresh process from `file`; its config warnings. */
function ours(file: string, cwd: string): { coverage: Buffer; warnings: string } {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('test/support/render-watermark.ts'), file, 'wm'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return { coverage: Buffer.from(r.stdout, 'base64'), warnings: r.stderr };
}

/** Pillow drawing the text with `font` as MapProxy 7's WatermarkImage centres it (TextDraw placement 'cc'). */
function pillow(font: string): Buffer {
  const r = spawnSync(PYTHON, ['-c', `
import base64, sys
from PIL import Image, ImageDraw, ImageFont
f = ImageFont.truetype(sys.argv[1], ${SIZE})
img = Image.new('L', (256, 256))
d = ImageDraw.Draw(img)
l, t, r, b = d.textbbox((0, 0), '${TEXT}', font=f)
x, y = 128 - (r - l) // 2, 128 - (b - t) // 2
d.text((l + x, t + y), '${TEXT}', font=f, fill=255)
sys.stdout.write(base64.b64encode(img.tobytes()).decode())
`, font], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Buffer.from(r.stdout, 'base64');
}

/** Sum of |a − b| over all pixels, in whole-pixel units of coverage. */
function distance(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / 255;
}

describe('globals.image.font_dir', { skip }, () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'font-dir-'));
    mkdirSync(join(dir, 'fonts'));
    copyFileSync(SERIF, join(dir, 'fonts', 'DejaVuSans.ttf'));
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'default.yaml'), config(null));
    // relative: resolved against the configuration's directory, not the working directory
    writeFileSync(join(dir, 'serif.yaml'), config('fonts'));
    writeFileSync(join(dir, 'empty.yaml'), config('empty'));
  });
  after(() => {
    if (!dir || process.env['KEEP_TEST_DIR']) return;
    rmSync(dir, { recursive: true, force: true });
    // the fontconfig directories the children wrote for this test's font_dirs
    for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith('mapproxy-ts-fontconfig-'))) {
      const conf = join(tmpdir(), name, 'fonts.conf');
      if (existsSync(conf) && readFileSync(conf, 'utf8').includes(dir)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  });

  it("draws the watermark with the font in font_dir's DejaVuSans.ttf, as MapProxy does", () => {
    const plain = ours(join(dir, 'default.yaml'), tmpdir());
    const serif = ours(join(dir, 'serif.yaml'), tmpdir());
    const pilDejaVu = pillow(DEJAVU);
    const pilSerif = pillow(SERIF);
    const ink = distance(pilSerif, Buffer.alloc(pilSerif.length));
    const rows = {
      'default vs Pillow DejaVu': distance(plain.coverage, pilDejaVu),
      'default vs Pillow serif': distance(plain.coverage, pilSerif),
      'font_dir vs Pillow serif': distance(serif.coverage, pilSerif),
      'font_dir vs Pillow DejaVu': distance(serif.coverage, pilDejaVu),
      'font_dir vs default': distance(serif.coverage, plain.coverage),
    };
    console.log('coverage differences (pixels), text ink', ink.toFixed(0), rows);
    assert.doesNotMatch(serif.warnings, /font_dir/);
    // the rendering changed by a good part of the text's ink …
    assert.ok(rows['font_dir vs default'] > ink / 2, 'font_dir changes the watermark');
    // … into the serif font's: near Pillow's serif, far from Pillow's DejaVu (and the default the other way round)
    assert.ok(rows['font_dir vs Pillow serif'] < rows['font_dir vs Pillow DejaVu'] / 3);
    assert.ok(rows['font_dir vs Pillow serif'] < ink / 3);
    assert.ok(rows['default vs Pillow DejaVu'] < rows['default vs Pillow serif']);
  });

  it('warns, and keeps the DejaVu Sans of the system, when font_dir has no DejaVuSans.ttf', () => {
    const plain = ours(join(dir, 'default.yaml'), dir);
    const empty = ours(join(dir, 'empty.yaml'), dir);
    assert.match(empty.warnings, /font_dir.*has no DejaVuSans\.ttf/);
    assert.ok(distance(empty.coverage, plain.coverage) < 1);
  });
});
