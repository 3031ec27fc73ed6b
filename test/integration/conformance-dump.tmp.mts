import { startSweep } from './conformance-support.js';
import { writeFileSync } from 'node:fs';
const s = await startSweep();
try {
  let i = 0;
  for (const p of process.argv.slice(2)) {
    const { a, b } = await s.both(p);
    writeFileSync(`/tmp/conf/${i}-ours.bin`, a.body); writeFileSync(`/tmp/conf/${i}-ref.bin`, b.body);
    console.log(i, p, a.status, b.status, JSON.stringify(a.headers), JSON.stringify(b.headers)); i++;
  }
  console.log('MS requests:', s.ms.requests.join('\n'));
  console.log('REF LOG', s.ref.log());
} finally { await s.stop(); }
