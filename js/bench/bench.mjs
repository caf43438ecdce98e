// Seal and open at 64 B and 1 KiB of session JSON, in one Node process:
// this package (AES-256-EAX in WebAssembly, keys parsed once) against
// iron-session's sealData/unsealData and iron-webcrypto's seal/unseal
// (AES-256-CBC + HMAC-SHA256 through WebCrypto, keys derived from the
// password on every call). Speed only here, never in tests.
//
//   npm run build && node bench/bench.mjs

import { readFileSync } from 'node:fs';

import { sealData, unsealData } from 'iron-session';
import * as Iron from 'iron-webcrypto';

import { SessionCodec } from '../dist/node.js';

const KEYS = readFileSync(new URL('../test/data/keys.txt', import.meta.url), 'utf8');
const PASSWORD = 'a password of at least thirty-two characters, for iron';
const codec = new SessionCodec(KEYS);

/** A session object whose JSON is exactly `size` bytes. */
function payload(size) {
  const object = { user_id: 42, data: '' };
  object.data = 'x'.repeat(size - JSON.stringify(object).length);
  if (JSON.stringify(object).length !== size) throw new Error('payload size');
  return object;
}

/**
 * Time per call in microseconds: after a warm-up, the fastest of seven
 * rounds of about 150 ms each (the least disturbed by other work on the
 * machine).
 */
async function measure(fn) {
  for (let i = 0; i < 200; i++) await fn();
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 150_000_000n) {
      for (let i = 0; i < 20; i++) await fn();
      calls += 20;
      elapsed = process.hrtime.bigint() - start;
    }
    best = Math.min(best, Number(elapsed) / calls / 1000);
  }
  return best;
}

const rows = [];
for (const size of [64, 1024]) {
  const object = payload(size);
  const session = codec.load(undefined);
  for (const [key, value] of Object.entries(object)) session.set(key, value);
  const ours = codec.seal(session);
  const iron = await sealData(object, { password: PASSWORD });
  const webcrypto = await Iron.seal(object, PASSWORD, Iron.defaults);

  const results = {
    'sealed-session seal': await measure(() => codec.seal(session)),
    'sealed-session open': await measure(() => codec.open(ours).free()),
    'iron-session sealData': await measure(() => sealData(object, { password: PASSWORD })),
    'iron-session unsealData': await measure(() => unsealData(iron, { password: PASSWORD })),
    'iron-webcrypto seal': await measure(() => Iron.seal(object, PASSWORD, Iron.defaults)),
    'iron-webcrypto unseal': await measure(() => Iron.unseal(webcrypto, PASSWORD, Iron.defaults)),
  };
  for (const [name, us] of Object.entries(results)) {
    const op = name.split(' ')[1].startsWith('seal') ? 'seal' : 'open';
    const ratio = us / results[`sealed-session ${op}`];
    rows.push(`| ${size} B | ${name} | ${us.toFixed(1)} µs | ${ratio.toFixed(1)}× |`);
  }
  rows.push(`| ${size} B | cookie length: ours / iron-session | ${ours.length} / ${iron.length} chars | |`);
}
console.log(`Node ${process.version}, one process, fastest of 7 rounds\n`);
console.log('| JSON | operation | time per call | vs ours |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(row);
