import type { CoreRequest } from '../http.js';

/** App names MultiMapProxy accepts: one path segment of word characters and '-', so never '..' or a path. */
export const APP_NAME = /^[\w-]+$/;

/**
 * Pops the first path segment (MapProxy's `pop_path`): `/proj1/service` → segment 'proj1', path '/service', and the
 * segment appended to the mount point so URLs the app generates are `…/proj1/service?`. A forwarded
 * X-Script-Name is the mount point as the client sees it, so the segment is appended to that too.
 */
export function popPathSegment(req: CoreRequest): { segment: string; request: CoreRequest } {
  const path = req.path.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  const segment = slash < 0 ? path : path.slice(0, slash);
  if (!segment) return { segment, request: req };
  const rest = slash < 0 ? '/' : path.slice(slash);
  const forwarded = req.headers['x-script-name'];
  const headers = { ...req.headers };
  if (forwarded !== undefined) headers['x-script-name'] = `${forwarded.replace(/\/+$/, '')}/${segment}`;
  const scriptName = `${(req.scriptName ?? '').replace(/\/+$/, '')}/${segment}`;
  return { segment, request: { ...req, path: rest, headers, scriptName } };
}
