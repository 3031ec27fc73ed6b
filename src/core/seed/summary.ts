import type { BBox } from '../geo/bbox.js';
import { MapExtent } from '../geo/extent.js';
import type { CleanupTask, SeedTask } from './tasks.js';

export const formatBBox = (b: BBox): string => b.map((v) => v.toFixed(5)).join(', ');

const localTime = (ts: number): string => {
  const d = new Date(ts * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

/** The area in its world's geographic CRS: EPSG:4326 as MapProxy prints it, IAU_2015:30100 for the Moon. */
function area(task: SeedTask | CleanupTask): string {
  const extent = task.coverage ? task.coverage.extent : new MapExtent(task.grid.bbox, task.grid.srs);
  const where = `${formatBBox(extent.llbbox)} (${extent.srs.geographic.code})`;
  return task.coverage ? `    Limited to coverage in: ${where}` : `    Complete grid: ${where}`;
}

/** A seed task as mapproxy-seed --summary describes it. */
export function formatSeedTask(task: SeedTask): string {
  const lines = [`  ${task.name}:`];
  if (task.coverage === false) return [...lines, '    Empty coverage given for this task', '    Skipped'].join('\n');
  lines.push(`    Seeding cache '${task.cacheName}' with grid '${task.gridName}' in ${task.grid.srs.code}`);
  lines.push(area(task));
  lines.push(`    Levels: [${task.levels.join(', ')}]`);
  if (task.refreshBefore) lines.push(`    Overwriting: tiles older than ${localTime(task.refreshBefore)}`);
  else if (task.refreshBefore === 0) lines.push('    Overwriting: all tiles');
  else lines.push('    Overwriting: no tiles');
  return lines.join('\n');
}

/** A cleanup task as mapproxy-seed --summary describes it. */
export function formatCleanupTask(task: CleanupTask): string {
  const lines = [`  ${task.name}:`];
  if (task.coverage === false) return [...lines, '    Empty coverage given for this task', '    Skipped'].join('\n');
  lines.push(`    Cleaning up cache '${task.cacheName}' with grid '${task.gridName}' in ${task.grid.srs.code}`);
  lines.push(area(task));
  lines.push(`    Levels: [${task.levels.join(', ')}]`);
  lines.push(task.removeBefore ? `    Remove: tiles older than ${localTime(task.removeBefore)}` : '    Remove: all tiles');
  return lines.join('\n');
}
