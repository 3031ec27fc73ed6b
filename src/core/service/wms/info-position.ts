import type { RequestParams } from '../../http.js';
import { RequestError } from '../request-error.js';
import type { WmsVersion } from './version.js';

const INT = /^\s*[-+]?\d+\s*$/;

/**
 * The clicked pixel: X/Y, or I/J in 1.3.0. Integers, or floats when either value has a decimal point
 * (MapProxy keeps them as floats and forwards them so). Positions outside the image are not refused:
 * MapProxy forwards them and the upstream server decides. A value that is no number is InvalidPoint
 * (MapProxy fails with an internal error there).
 */
export function parseInfoPosition(params: RequestParams, version: WmsVersion): { pos: [number, number]; floatPos: boolean } {
  const [xName, yName] = version === '1.3.0' ? ['i', 'j'] : ['x', 'y'];
  const x = params.get(xName) ?? '';
  const y = params.get(yName) ?? '';
  const floatPos = x.includes('.') || y.includes('.');
  const valid = floatPos
    ? [x, y].every((v) => v.trim() !== '' && Number.isFinite(Number(v)))
    : INT.test(x) && INT.test(y);
  if (!valid) {
    throw new RequestError(`invalid position ${xName.toUpperCase()}=${x}, ${yName.toUpperCase()}=${y}`, {
      code: version === '1.3.0' ? 'InvalidPoint' : undefined,
    });
  }
  return { pos: [Number(x), Number(y)], floatPos };
}
