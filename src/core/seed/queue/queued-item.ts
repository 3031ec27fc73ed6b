import type { TileCoord } from '../../geo/grid.js';
import type { SeedUnitSpec } from '../executor.js';

/** A task unit (task × cache × grid) of a queued run, as every worker needs it. */
export interface QueuedUnit extends SeedUnitSpec {
  /** `task/cache/grid`, for messages. */
  readonly label: string;
  /** Meta tile creations a worker runs at once for this unit (the upstreams' concurrent_requests); null: no limit. */
  readonly upstreamLimit: number | null;
}

/** One work unit in the stream: a meta tile (or a tile) of a level of a task unit, in a run. */
export interface QueuedItem {
  readonly run: string;
  readonly unit: number;
  readonly level: number;
  readonly tiles: readonly TileCoord[];
}

/** The fields of a stream entry: small, because a large seed keeps many of them queued. */
export function itemFields(item: QueuedItem): string[] {
  return ['run', item.run, 'unit', String(item.unit), 'level', String(item.level), 'tiles', item.tiles.map((t) => t.join(',')).join(';')];
}

/** A stream entry's fields back as an item; null for an entry this version did not write. */
export function parseItem(fields: readonly string[]): QueuedItem | null {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  const run = f.get('run');
  const unit = Number(f.get('unit'));
  const level = Number(f.get('level'));
  const tilesText = f.get('tiles');
  if (!run || !Number.isInteger(unit) || !Number.isInteger(level) || !tilesText) return null;
  const tiles: TileCoord[] = [];
  for (const t of tilesText.split(';')) {
    const [x, y, z] = t.split(',').map(Number);
    if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(z)) return null;
    tiles.push([x!, y!, z!]);
  }
  return { run, unit, level, tiles };
}
