// Seal and open at 64 B and 1 KiB of session JSON, in one Node process:
// this package (AES-256-EAX in WebAssembly, keys parsed once) against
// iron-session's sealData/unsealData and iron-webcrypto's seal/unseal
// (AES-256-CBC + HMAC-SHA256 through WebCrypto, keys derived from the
// password on every call), each called as its users call it. Speed only
// here, never in tests. The floor rows time the envelope alone (AES-256-EAX
// and base64 of the same plaintext, in a loop inside WebAssembly: no
// session, no JSON, no crossing into JavaScript): what this package cannot
// go below with AES in WASM. `cargo xtask bench` runs it and records the
// table in benches/RESULTS.md.
//
//   npm run build && node bench/bench.mjs

import { readFileSync } from 'node:fs';

import { sealData, unsealData } from 'iron-session';
import * as Iron from 'iron-webcrypto';

import { SessionCodec, openEnvelope } from '../dist/node.js';
import { benchOpenEnvelope, benchSealEnvelope } from '../wasm/sealed_session_js.js';

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
 * Time per call in microseconds, wall-clock and CPU (the process's user and
 * system time, WebCrypto's worker threads included): after a warm-up, the
 * fastest of seven rounds of about 150 ms each, the least disturbed by
 * other work on the machine. Wall time is what a request waits; CPU time
 * moves less when the machine is shared.
 */
async function measure(fn, per = 1) {
  for (let i = 0; i < 200 / per; i++) await fn();
  let wall = Infinity;
  let cpu = Infinity;
  for (let round = 0; round < 7; round++) {
    let calls = 0;
    const usage = process.cpuUsage();
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 150_000_000n) {
      for (let i = 0; i < 20; i++) await fn();
      calls += 20 * per;
      elapsed = process.hrtime.bigint() - start;
    }
    const used = process.cpuUsage(usage);
    wall = Math.min(wall, Number(elapsed) / calls / 1000);
    cpu = Math.min(cpu, (used.user + used.system) / calls);
  }
  return { wall, cpu };
}

/** Seals or opens per call of a floor's loop inside WASM. */
const LOOP = 50;

const rows = [];
for (const size of [64, 1024]) {
  const object = payload(size);
  const session = codec.load(undefined);
  for (const [key, value] of Object.entries(object)) session.set(key, value);
  const ours = codec.seal(session);
  const iron = await sealData(object, { password: PASSWORD });
  const webcrypto = await Iron.seal(object, PASSWORD, Iron.defaults);

  const context = new TextEncoder().encode(codec.cookieName);
  const now = Math.floor(Date.now() / 1000);
  const { plaintext } = openEnvelope(KEYS, ours, context, now);
  const results = {
    'sealed-session seal': await measure(() => codec.seal(session)),
    'sealed-session open': await measure(() => codec.open(ours).free()),
    'floor: envelope seal in WASM': await measure(
      () => benchSealEnvelope(KEYS, plaintext, context, LOOP),
      LOOP,
    ),
    'floor: envelope open in WASM': await measure(
      () => benchOpenEnvelope(KEYS, ours, context, now, LOOP),
      LOOP,
    ),
    'iron-session sealData': await measure(() => sealData(object, { password: PASSWORD })),
    'iron-session unsealData': await measure(() => unsealData(iron, { password: PASSWORD })),
    'iron-webcrypto seal': await measure(() => Iron.seal(object, PASSWORD, Iron.defaults)),
    'iron-webcrypto unseal': await measure(() => Iron.unseal(webcrypto, PASSWORD, Iron.defaults)),
  };
  for (const [name, { wall, cpu }] of Object.entries(results)) {
    const op = /unseal|open/i.test(name) ? 'open' : 'seal';
    const base = results[`sealed-session ${op}`];
    const times = (us, of) => `${us.toFixed(1)} µs | ${(us / of).toFixed(1)}×`;
    rows.push(`| ${size} B | ${name} | ${times(wall, base.wall)} | ${times(cpu, base.cpu)} |`);
  }
  rows.push(
    `| ${size} B | cookie length: ours / iron-session | ${ours.length} / ${iron.length} chars | | | |`,
  );
}
console.log(`Node ${process.version}, one process, fastest of 7 rounds\n`);
console.log('| JSON | operation | wall time per call | vs ours | CPU time per call | vs ours |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
