import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharpLoaded } from './sharp-config.js';
import { escapeXml } from './message.js';

/** The font families our texts are drawn in, each with the file MapProxy loads for it from `font_dir`. */
export const FONT_FILES = {
  'DejaVu Sans': 'DejaVuSans.ttf',
  'DejaVu Sans Mono': 'DejaVuSansMono.ttf',
} as const;

export type FontFamily = keyof typeof FONT_FILES;

/** Both DejaVu families have an ascender of 1901 units per 2048 em. */
const DEJAVU_ASCENDER = 1901 / 2048;

/** The FONTCONFIG_FILE this process started with, given back when a configuration without font_dir follows. */
const startEnv = process.env.FONTCONFIG_FILE;
/** The font_dir whose fonts.conf this process uses (null: none of ours) and the ascenders of its fonts. */
let current: string | null = null;
let ascenders = new Map<FontFamily, number>();

/**
 * MapProxy draws watermarks with ImageFont.truetype(<font_dir>/DejaVuSans.ttf): the file, whatever font it holds.
 * Our texts are SVG drawn by librsvg, which asks fontconfig for a family; so a fonts.conf of our own keeps the
 * system's fonts, renames each file of font_dir to the family MapProxy loads it for, and hides the system's
 * fonts of that family. fontconfig reads FONTCONFIG_FILE once, when libvips first draws text: call this before
 * sharp is loaded. Returns false when it came too late (sharp loaded with other fonts): a restart applies it.
 */
export function useFontDir(fontDir: string | undefined): boolean {
  const wanted = fontDir ?? null;
  if (wanted === current) return true;
  if (sharpLoaded()) return false;
  if (wanted === null) {
    if (startEnv === undefined) delete process.env.FONTCONFIG_FILE;
    else process.env.FONTCONFIG_FILE = startEnv;
    ascenders = new Map();
  } else {
    const files = presentFonts(wanted);
    process.env.FONTCONFIG_FILE = writeFontsConf(wanted, files);
    ascenders = new Map(files.flatMap(([family, file]) => {
      const a = readAscender(file);
      return a === undefined ? [] : [[family, a] as const];
    }));
  }
  current = wanted;
  return true;
}

/** The families MapProxy would find a file for in `fontDir` (MapProxy's font_file: the name without spaces + .ttf). */
export function presentFonts(fontDir: string): Array<[FontFamily, string]> {
  return (Object.keys(FONT_FILES) as FontFamily[])
    .map((family): [FontFamily, string] => [family, join(fontDir, FONT_FILES[family])])
    .filter(([, file]) => existsSync(file));
}

/** The ascender of `family` per em, as FreeType reads it from the font in use (font_dir's file or DejaVu). */
export function fontAscender(family: FontFamily): number {
  return ascenders.get(family) ?? DEJAVU_ASCENDER;
}

function fontsConf(fontDir: string, files: ReadonlyArray<[FontFamily, string]>, cacheDir: string): string {
  const x = escapeXml;
  const rename = files.map(([family, file]) => `
  <match target="scan">
    <test name="file"><string>${x(file)}</string></test>
    <edit name="family" mode="assign_replace"><string>${x(family)}</string></edit>
  </match>`).join('');
  // acceptfont wins over rejectfont: font_dir's files stay, the system's fonts of their families go
  const accept = files.map(([, file]) => `<pattern><patelt name="file"><string>${x(file)}</string></patelt></pattern>`).join('');
  const reject = files.map(([family]) => `<pattern><patelt name="family"><string>${x(family)}</string></patelt></pattern>`).join('');
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- written by mapproxy-ts for globals.image.font_dir: ${x(fontDir)} -->
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${x(fontDir)}</dir>
  <cachedir>${x(cacheDir)}</cachedir>${rename}
  <selectfont>
    <acceptfont>${accept}</acceptfont>
    <rejectfont>${reject}</rejectfont>
  </selectfont>
</fontconfig>
`;
}

/**
 * fonts.conf in a directory of this user's, one per font_dir (the workers of a daemon share it); written to a
 * temporary name and renamed, as two workers may write it at once.
 */
function writeFontsConf(fontDir: string, files: ReadonlyArray<[FontFamily, string]>): string {
  const uid = process.getuid?.() ?? 0;
  const id = createHash('sha256').update(fontDir).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `mapproxy-ts-fontconfig-${uid}-${id}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // a directory someone else made in the shared temp dir could hand fontconfig their configuration
  const st = lstatSync(dir);
  if (!st.isDirectory() || (process.getuid && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new Error(`font_dir: ${dir} is not a private directory of this user`);
  }
  const conf = join(dir, 'fonts.conf');
  const tmp = `${conf}.${process.pid}`;
  writeFileSync(tmp, fontsConf(fontDir, files, join(dir, 'cache')));
  renameSync(tmp, conf);
  return conf;
}

/** hhea.ascender / head.unitsPerEm of a TrueType or OpenType file; undefined when it is not one (or a collection). */
export function readAscender(file: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const read = (offset: number, length: number): Buffer | undefined => {
      const b = Buffer.alloc(length);
      return readSync(fd!, b, 0, length, offset) === length ? b : undefined;
    };
    const header = read(0, 12);
    if (!header) return undefined;
    const numTables = header.readUInt16BE(4);
    const records = read(12, numTables * 16);
    if (!records) return undefined;
    const table = (tag: string): number | undefined => {
      for (let i = 0; i < numTables; i++) {
        if (records.toString('latin1', i * 16, i * 16 + 4) === tag) return records.readUInt32BE(i * 16 + 8);
      }
      return undefined;
    };
    const head = table('head');
    const hhea = table('hhea');
    if (head === undefined || hhea === undefined) return undefined;
    const unitsPerEm = read(head + 18, 2)?.readUInt16BE(0);
    const ascender = read(hhea + 4, 2)?.readInt16BE(0);
    if (!unitsPerEm || ascender === undefined || ascender <= 0) return undefined;
    return ascender / unitsPerEm;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
