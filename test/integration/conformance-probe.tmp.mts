import { startSweep, mediaType } from './conformance-support.js';
import { compareImages } from '../support/images.js';
const paths = process.argv.slice(2);
const s = await startSweep();
try {
  for (const p of paths) {
    const { a, b } = await s.both(p);
    const hs = ['content-type','etag','cache-control','last-modified','access-control-allow-origin','vary','expires','pragma'];
    console.log('=== ' + p);
    for (const h of hs) { if (a.headers[h] !== b.headers[h]) console.log(`  ${h}: ours=${a.headers[h]} ref=${b.headers[h]}`); }
    if (a.status !== b.status) console.log(`  status ours=${a.status} ref=${b.status}`);
    if (mediaType(a).startsWith('image/') && mediaType(b).startsWith('image/')) {
      const c = await compareImages(a.body, b.body, { tolerance: 24 });
      const fa=(await import('sharp')).default; const ma=await fa(a.body).metadata(); const mb=await fa(b.body).metadata(); if (ma.format!==mb.format||ma.channels!==mb.channels||ma.isPalette!==mb.isPalette) console.log(`  META ours=${ma.format}/${ma.channels}/${ma.isPalette} ref=${mb.format}/${mb.channels}/${mb.isPalette}`);
      console.log(`  image equal=${c.equal} diff=${c.diffFraction.toFixed(4)} max=${c.maxDelta} size=${c.width}x${c.height} sameSize=${c.sameSize}`);
    } else if (a.text !== b.text) {
      console.log('  OURS: ' + a.text.slice(0, 1500)); console.log('  REF:  ' + b.text.slice(0, 1500));
    } else console.log('  same body');
  }
} finally { await s.stop(); }
