// Real PNG files of every kind (test/support/png_samples.py) and Pillow's decoding of any PNG, for the decoder
// and encoder tests. Pillow is Debian's (python3-pil, MapProxy's image library); pypng is python3-png.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));

export interface PngSample {
  name: string;
  /** The encoder that wrote it: Pillow or pypng. */
  writer: string;
  width: number;
  height: number;
  png: Buffer;
  /** RGBA8 pixels by the PNG specification (read through pypng). */
  spec: Buffer;
  /** RGBA8 pixels as Pillow decodes them (Image.open().convert('RGBA')), null when Pillow cannot read the file. */
  pillow: Buffer | null;
}

/** Writes the samples into a temporary directory and reads them back. */
export function pngSamples(): PngSample[] {
  const dir = mkdtempSync(join(tmpdir(), 'png-samples-'));
  try {
    const manifest = JSON.parse(execFileSync(PYTHON, [join(HERE, 'png_samples.py'), dir], { encoding: 'utf8' })) as {
      name: string;
      writer: string;
      width: number;
      height: number;
    }[];
    return manifest.map((m) => {
      const pillow = join(dir, `${m.name}.pillow.rgba`);
      return {
        ...m,
        png: readFileSync(join(dir, `${m.name}.png`)),
        spec: readFileSync(join(dir, `${m.name}.spec.rgba`)),
        pillow: existsSync(pillow) ? readFileSync(pillow) : null,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PILLOW_DECODE = `
import sys
from PIL import Image
for path in sys.argv[1:]:
    im = Image.open(path)
    with open(path + '.rgba', 'wb') as f:
        f.write(im.convert('RGBA').tobytes())
    print(im.mode, im.size[0], im.size[1])
`;

/** Pillow's RGBA8 pixels and mode of each PNG. */
export function pillowDecode(pngs: readonly Buffer[]): { mode: string; width: number; height: number; rgba: Buffer }[] {
  const dir = mkdtempSync(join(tmpdir(), 'png-pillow-'));
  try {
    const paths = pngs.map((png, i) => {
      const path = join(dir, `${i}.png`);
      writeFileSync(path, png);
      return path;
    });
    const lines = execFileSync(PYTHON, ['-c', PILLOW_DECODE, ...paths], { encoding: 'utf8' }).trim().split('\n');
    return paths.map((path, i) => {
      const [mode, width, height] = lines[i]!.split(' ');
      return { mode: mode!, width: Number(width), height: Number(height), rgba: readFileSync(`${path}.rgba`) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
