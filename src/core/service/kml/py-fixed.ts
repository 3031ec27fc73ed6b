/**
 * Python's `'%f' % n` (6 decimals by default). JavaScript's toFixed rounds exact ties away from
 * zero where Python rounds them to even (0.0078125 → '0.007812'), and drops the sign of -0.
 */
export function pyFixed(n: number, digits = 6): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const neg = n < 0 || Object.is(n, -0);
  const abs = Math.abs(n);
  // Integral beyond toFixed's range (1e21): print all digits like Python.
  if (abs >= 1e21) return `${neg ? '-' : ''}${BigInt(abs).toString()}${digits > 0 ? `.${'0'.repeat(digits)}` : ''}`;
  let out = abs.toFixed(digits);
  // An exact tie shows as '5' followed only by zeros in the (exact) long expansion.
  const exact = abs.toFixed(100);
  const dot = exact.indexOf('.');
  if (dot >= 0 && /^50*$/.test(exact.slice(dot + 1 + digits))) {
    const lastKept = Number(digits > 0 ? exact[dot + digits] : exact[dot - 1]);
    // toFixed rounded up; half-even keeps the truncated value when the last kept digit is even.
    if (lastKept % 2 === 0) out = digits > 0 ? exact.slice(0, dot + 1 + digits) : exact.slice(0, dot);
  }
  return neg ? `-${out}` : out;
}
