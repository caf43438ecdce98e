// sealed-session-core under WASM: the wasm-harness module (tests/wasm-harness)
// against the same core built natively, and against the golden vectors.
//
// Run by `cargo xtask ci`, which builds both sides and sets:
//   SEALED_SESSION_WASM    the module, from
//     cargo build -p wasm-harness --lib --profile size --target wasm32-unknown-unknown
//   SEALED_SESSION_NATIVE  the native tool, from
//     cargo build -p wasm-harness --bin wasm-harness-native
// then: node --test tests/node/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run \`cargo xtask ci\`, or see the header of this file`);
  }
  return value;
}

const NATIVE = requiredEnv('SEALED_SESSION_NATIVE');
const VECTORS = JSON.parse(
  readFileSync(new URL('../data/v1-vectors.json', import.meta.url), 'utf8'),
);

// The error code of each ErrorKind (wasm_harness::ERROR_KINDS), with its text.
const ERROR_TEXTS = [
  'malformed',
  'unknown version',
  'unknown key id',
  'not authentic',
  'expired',
  'issued in the future',
  'too large',
  'buffer too small',
  'context too long',
  'invalid key',
  'keyring full',
  'duplicate key id',
];
const NOT_AUTHENTIC = 4;

const RING_ENTRY_LEN = 33;
const OPENED_HEADER_LEN = 10;

const fromHex = (hex) => new Uint8Array(Buffer.from(hex, 'hex'));
const toHex = (bytes) => Buffer.from(bytes).toString('hex');
const utf8 = (text) => new TextEncoder().encode(text);

/** The wasm module and its exchange buffer. */
class Harness {
  constructor(path) {
    const module = new WebAssembly.Module(readFileSync(path));
    assert.deepEqual(WebAssembly.Module.imports(module), []);
    this.exports = new WebAssembly.Instance(module, {}).exports;
    this.ptr = this.exports.sealed_session_buffer_ptr();
    this.len = this.exports.sealed_session_buffer_len();
  }

  // A fresh view each time: a memory that grows detaches the old one.
  buffer() {
    return new Uint8Array(this.exports.memory.buffer, this.ptr, this.len);
  }

  write(ring, parts) {
    const buffer = this.buffer();
    let at = 0;
    for (const { id, key } of ring) {
      assert.equal(key.length, RING_ENTRY_LEN - 1);
      buffer[at] = id;
      buffer.set(key, at + 1);
      at += RING_ENTRY_LEN;
    }
    for (const part of parts) {
      buffer.set(part, at);
      at += part.length;
    }
  }

  /** The cookie text, or { error: code }. */
  seal(ring, nonce, context, plaintext, now) {
    this.write(ring, [nonce, context, plaintext]);
    const n = this.exports.sealed_session_seal(
      ring.length, context.length, plaintext.length, BigInt(now));
    if (n < 0) return { error: -n };
    return new TextDecoder().decode(this.buffer().slice(0, n));
  }

  /** { plaintext, keyId, compressed, resealAdvised, issuedAt }, or { error: code }. */
  open(ring, context, text, now) {
    const textBytes = utf8(text);
    this.write(ring, [context, textBytes]);
    const n = this.exports.sealed_session_open(
      ring.length, context.length, textBytes.length, BigInt(now));
    if (n < 0) return { error: -n };
    const answer = this.buffer().slice(0, OPENED_HEADER_LEN + n);
    return {
      plaintext: answer.slice(OPENED_HEADER_LEN),
      keyId: answer[0],
      compressed: (answer[1] & 1) === 1,
      resealAdvised: (answer[1] & 2) === 2,
      issuedAt: Number(new DataView(answer.buffer).getBigUint64(2)),
    };
  }

  errorText(code) {
    const n = this.exports.sealed_session_error_text(code);
    return new TextDecoder().decode(this.buffer().slice(0, n));
  }
}

const wasm = new Harness(requiredEnv('SEALED_SESSION_WASM'));

/** Runs the native tool; returns its stdout line and exit status. */
function native(...args) {
  const run = spawnSync(NATIVE, args.map(String), { encoding: 'utf8' });
  assert.equal(run.error, undefined, `cannot run ${NATIVE}`);
  assert.equal(run.stderr, '');
  return { status: run.status, line: run.stdout.trim() };
}

const ringArg = (ring) => ring.map(({ id, key }) => `${id}:${toHex(key)}`).join(',');

// A key and ring of this test only, so the fixtures below are fresh seals
// and not golden vectors.
const KEY = fromHex('5a'.repeat(16) + 'c3'.repeat(16));
const OLD_KEY = fromHex('0f'.repeat(32));
const RING = [{ id: 5, key: KEY }];
const CONTEXT = '__Host-session';
const NOW = 1_750_000_000;

test('error codes map one to one to ErrorKind, "not authentic" is 4', () => {
  ERROR_TEXTS.forEach((text, index) => {
    assert.equal(wasm.errorText(index + 1), text);
  });
  assert.equal(ERROR_TEXTS[NOT_AUTHENTIC - 1], 'not authentic');
  assert.equal(wasm.errorText(0), '');
  assert.equal(wasm.errorText(ERROR_TEXTS.length + 1), '');
});

test('(a) opens a cookie freshly sealed by the native crate', () => {
  const plaintext = utf8('{"user":"ada","roles":["admin"],"n":1}');
  const nonce = fromHex('b0'.repeat(16));
  const sealed = native('seal', ringArg(RING), CONTEXT, NOW, toHex(nonce), toHex(plaintext));
  assert.equal(sealed.status, 0);
  const cookie = sealed.line;
  assert.equal(cookie.length, 108);

  const opened = wasm.open(RING, utf8(CONTEXT), cookie, NOW + 5);
  assert.deepEqual(opened, {
    plaintext, keyId: 5, compressed: false, resealAdvised: false, issuedAt: NOW,
  });
  // Same inputs, same bytes: the two builds seal identically.
  assert.equal(wasm.seal(RING, nonce, utf8(CONTEXT), plaintext, NOW), cookie);
  // A ring whose primary is another key still opens it, and advises a reseal.
  const rotated = [{ id: 6, key: OLD_KEY }, ...RING];
  assert.equal(wasm.open(rotated, utf8(CONTEXT), cookie, NOW).resealAdvised, true);
});

test('(b) the native crate opens a cookie sealed in wasm', () => {
  // 2000 bytes: longer than one base64 block and than the compression
  // threshold (the no-alloc seal never compresses).
  const plaintext = utf8(JSON.stringify({ items: Array.from({ length: 600 }, (_, i) => i) }))
    .slice(0, 2000);
  assert.equal(plaintext.length, 2000);
  const nonce = fromHex('0123456789abcdef'.repeat(2));
  const cookie = wasm.seal(RING, nonce, utf8(CONTEXT), plaintext, NOW);
  assert.equal(typeof cookie, 'string');
  assert.equal(cookie.length, 2724);

  assert.deepEqual(
    native('open', ringArg(RING), CONTEXT, NOW, cookie),
    { status: 0, line: `ok 5 ${NOW} 0 0 ${toHex(plaintext)}` },
  );
  const rotated = [{ id: 6, key: OLD_KEY }, ...RING];
  assert.deepEqual(
    native('open', ringArg(rotated), CONTEXT, NOW, cookie),
    { status: 0, line: `ok 5 ${NOW} 0 1 ${toHex(plaintext)}` },
  );
});

test('(c) a tampered cookie is not authentic, in wasm and natively', () => {
  const plaintext = utf8('{"user":42}');
  const cookie = wasm.seal(RING, fromHex('77'.repeat(16)), utf8(CONTEXT), plaintext, NOW);
  assert.equal(cookie.length, 72);
  assert.equal(wasm.open(RING, utf8(CONTEXT), cookie, NOW).keyId, 5);

  // Every character after the 11-byte header (15 characters in) and before
  // the last one, which may carry unused bits: nonce, ciphertext and tag.
  let tried = 0;
  for (let i = 15; i < cookie.length - 1; i += 1) {
    const other = cookie[i] === 'A' ? 'B' : 'A';
    const tampered = cookie.slice(0, i) + other + cookie.slice(i + 1);
    assert.deepEqual(wasm.open(RING, utf8(CONTEXT), tampered, NOW), { error: NOT_AUTHENTIC }, `at ${i}`);
    tried += 1;
  }
  assert.equal(tried, 56);

  const tampered = cookie.slice(0, 40) + (cookie[40] === 'A' ? 'B' : 'A') + cookie.slice(41);
  assert.deepEqual(native('open', ringArg(RING), CONTEXT, NOW, tampered),
    { status: 1, line: 'error 4 not authentic' });
  // Another context or another key with the same id: not authentic either.
  assert.deepEqual(wasm.open(RING, utf8('other'), cookie, NOW), { error: NOT_AUTHENTIC });
  assert.deepEqual(wasm.open([{ id: 5, key: OLD_KEY }], utf8(CONTEXT), cookie, NOW),
    { error: NOT_AUTHENTIC });
  // Failures that are not about authenticity keep their own codes.
  assert.deepEqual(wasm.open([{ id: 6, key: KEY }], utf8(CONTEXT), cookie, NOW), { error: 3 });
  assert.deepEqual(wasm.open(RING, utf8(CONTEXT), `${cookie}!`, NOW), { error: 1 });
  assert.deepEqual(wasm.open(RING, utf8(CONTEXT), cookie, NOW - 61), { error: 6 });
});

test('(d) reproduces every golden vector of tests/data/v1-vectors.json', () => {
  const golden = VECTORS.filter((v) => v.error === undefined);
  assert.equal(golden.length, 8);
  let exact = 0;
  for (const v of golden) {
    const ring = v.keys.map(({ id, key_hex }) => ({ id, key: fromHex(key_hex) }));
    const context = utf8(v.context);
    const opened = wasm.open(ring, context, v.cookie, v.issued_at);
    assert.deepEqual(opened, {
      plaintext: fromHex(v.plaintext_hex),
      keyId: v.key_id,
      compressed: v.compressed,
      resealAdvised: v.key_id !== ring[0].id,
      issuedAt: v.issued_at,
    }, v.name);
    if (v.exact_seal) {
      const sealer = ring.filter(({ id }) => id === v.key_id);
      const sealed = wasm.seal(
        sealer, fromHex(v.nonce_hex), context, fromHex(v.plaintext_hex), v.issued_at);
      assert.equal(sealed, v.cookie, v.name);
      exact += 1;
    }
  }
  assert.equal(exact, 6);
});

test('(e) rejects every negative vector of tests/data/v1-vectors.json with its error', () => {
  // The harness opens with its own plaintext bound, so a vector that
  // states one (max_plaintext_len) is left to the Rust and Python tests.
  const negative = VECTORS.filter((v) => v.error !== undefined && v.max_plaintext_len === undefined);
  assert.equal(negative.length, 4);
  for (const v of negative) {
    const ring = v.keys.map(({ id, key_hex }) => ({ id, key: fromHex(key_hex) }));
    const opened = wasm.open(ring, utf8(v.context), v.cookie, v.issued_at);
    assert.deepEqual(opened, { error: ERROR_TEXTS.indexOf(v.error) + 1 }, v.name);
    assert.notEqual(ERROR_TEXTS.indexOf(v.error), -1, v.name);
  }
});
