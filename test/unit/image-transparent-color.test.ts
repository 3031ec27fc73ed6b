// image.transparent_color against MapProxy's own make_transparent (Debian's MapProxy 1.15 on Pillow): random RGB,
// RGBA and paletted images, colours at the ends of the channel range and tolerances from 0 up, fractional
// included, give the same RGBA pixels from the native kernel as from Pillow.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTransparent } from '../../src/core/native/transparent-color.js';
import { prng } from '../support/prng.js';

const REFERENCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'transparent_color_reference.py');

interface Case { mode: 'RGB' | 'RGBA' | 'P'; width: number; height: number; pixels: string; color: [number, number, number]; tolerance: number }

describe('transparent_color (native kernel) against MapProxy make_transparent on Pillow', () => {
  it('makes the same pixels transparent', () => {
    const rnd = prng(13);
    const byte = () => Math.floor(rnd() * 256);
    const cases: Case[] = [];
    const colors: [number, number, number][] = [[255, 255, 255], [0, 0, 0], [250, 3, 128], [byte(), byte(), byte()]];
    for (const mode of ['RGB', 'RGBA', 'P'] as const) {
      for (const color of colors) {
        for (const tolerance of [0, 5, 2.5, 40, 255]) {
          const width = 37, height = 11;
          const channels = mode === 'RGBA' ? 4 : 3;
          const px = new Uint8Array(width * height * channels);
          for (let i = 0; i < width * height; i++) {
            // half the pixels near the colour, so that the tolerance decides
            const near = rnd() < 0.5;
            for (let c = 0; c < 3; c++) {
              px[i * channels + c] = near ? Math.max(0, Math.min(255, color[c]! + Math.round((rnd() - 0.5) * 2 * (tolerance + 3)))) : byte();
            }
            if (channels === 4) px[i * 4 + 3] = rnd() < 0.3 ? 255 : byte();
          }
          cases.push({ mode, width, height, pixels: Buffer.from(px).toString('base64'), color, tolerance });
        }
      }
    }
    const expected = JSON.parse(execFileSync('/usr/bin/python3', [REFERENCE], { input: JSON.stringify(cases), maxBuffer: 1 << 26 }).toString()) as { source: string; result: string }[];
    let transparent = 0;
    cases.forEach((c, k) => {
      const data = new Uint8Array(Buffer.from(expected[k]!.source, 'base64'));
      makeTransparent({ data, width: c.width, height: c.height }, c.color, c.tolerance);
      const want = Buffer.from(expected[k]!.result, 'base64');
      assert.ok(Buffer.from(data).equals(want), `${c.mode} colour ${c.color} tolerance ${c.tolerance}`);
      for (let i = 3; i < want.length; i += 4) if (want[i] === 0) transparent++;
    });
    assert.ok(transparent > 1000, `only ${transparent} transparent pixels: the cases test little`);
  });

  it('checks its buffer', () => {
    assert.throws(() => makeTransparent({ data: new Uint8Array(7), width: 2, height: 1 }, [0, 0, 0], 5), RangeError);
  });
});
