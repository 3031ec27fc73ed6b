import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** OpenLayers, shipped with the package and served under /demo/static/ (no CDN). */
const FILES: Record<string, { module: string; contentType: string }> = {
  'ol.js': { module: 'ol/dist/ol.js', contentType: 'application/javascript' },
  'ol.css': { module: 'ol/ol.css', contentType: 'text/css' },
};

export class DemoStaticFiles {
  private readonly loaded = new Map<string, Promise<Buffer>>();

  has(name: string): boolean {
    return Object.hasOwn(FILES, name);
  }

  contentType(name: string): string {
    return FILES[name]!.contentType;
  }

  read(name: string): Promise<Buffer> {
    let p = this.loaded.get(name);
    if (!p) {
      p = readFile(require.resolve(FILES[name]!.module));
      this.loaded.set(name, p);
      p.catch(() => this.loaded.delete(name));
    }
    return p;
  }
}
