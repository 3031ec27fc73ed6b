import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: this file is src/cli/util/ (tsx) or dist/cli/util/ (compiled), three levels down. */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The published JSON Schema of mapproxy.yaml. */
export const SCHEMA_FILE = resolve(PACKAGE_DIR, 'schema/mapproxy.schema.json');
