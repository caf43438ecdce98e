// The package's API under Node: FORMAT.md's golden and negative vectors
// (tests/data/v1-vectors.json), Flask's tagged JSON as real Flask wrote it
// (tests/data/flask_cookies.json), the options' checks and error names,
// the session object, and the nonces and session ids the randomness pool
// hands out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  ConfigError,
  SessionCodec,
  SessionError,
  decodeValue,
  encodeValue,
  needsVary,
  openEnvelope,
  sealEnvelopeWithNonce,
} from '../../dist/node.js';

const data = (name) => JSON.parse(readFileSync(new URL(`../../../tests/data/${name}`, import.meta.url), 'utf8'));
const VECTORS = data('v1-vectors.json');
const FLASK = data('flask_cookies.json');
const KEYS = readFileSync(new URL('../data/keys.txt', import.meta.url), 'utf8');

const fromHex = (hex) => new Uint8Array(Buffer.from(hex, 'hex'));
const toHex = (bytes) => Buffer.from(bytes).toString('hex');
const utf8 = (text) => new TextEncoder().encode(text);
const ring = (keys) => keys.map(({ id, key_hex }) => `${id} ${key_hex}`).join('\n');

test('golden vectors open to their plaintext, and seal to the exact cookie', () => {
  let opened = 0;
  let sealed = 0;
  for (const v of VECTORS.filter((v) => !v.error)) {
    const result = openEnvelope(ring(v.keys), v.cookie, utf8(v.context), v.issued_at);
    assert.equal(toHex(result.plaintext), v.plaintext_hex, v.name);
    assert.equal(result.keyId, v.key_id, v.name);
    assert.equal(result.issuedAt, v.issued_at, v.name);
    assert.equal(result.compressed, v.compressed, v.name);
    opened++;
    if (v.exact_seal) {
      // The sealing key first: it is the primary.
      const keys = [...v.keys].sort((a, b) => (a.id === v.key_id ? -1 : b.id === v.key_id ? 1 : 0));
      const cookie = sealEnvelopeWithNonce(ring(keys), fromHex(v.plaintext_hex), utf8(v.context), v.issued_at, fromHex(v.nonce_hex));
      assert.equal(cookie, v.cookie, v.name);
      sealed++;
    }
  }
  assert.deepEqual([opened, sealed], [8, 6]);
});

test('negative vectors fail with their exact error', () => {
  const negatives = VECTORS.filter((v) => v.error);
  assert.equal(negatives.length, 5);
  for (const v of negatives) {
    assert.throws(
      () => openEnvelope(ring(v.keys), v.cookie, utf8(v.context), v.issued_at, v.max_plaintext_len),
      (error) => error instanceof SessionError && error.message === v.error,
      v.name,
    );
  }
});

test('a changed byte, context or key is one opaque "not authentic"', () => {
  const v = VECTORS.find((v) => v.name === 'plain-with-context');
  const flipped = v.cookie.slice(0, 40) + (v.cookie[40] === 'A' ? 'B' : 'A') + v.cookie.slice(41);
  const attempts = [
    () => openEnvelope(ring(v.keys), flipped, utf8(v.context), v.issued_at),
    () => openEnvelope(ring(v.keys), v.cookie, utf8('other'), v.issued_at),
    () => openEnvelope(`1 ${'11'.repeat(32)}`, v.cookie, utf8(v.context), v.issued_at),
  ];
  for (const attempt of attempts) {
    assert.throws(attempt, (e) => e instanceof SessionError && e.kind === 'Unauthentic' && e.message === 'not authentic');
  }
});

test("Flask's tagged JSON, as Flask wrote it, decodes to JS types", () => {
  const text = (name) => FLASK.cases.find((c) => c.name === name).loads.session.text;
  assert.deepEqual(decodeValue(text('tag_bytes')), { blob: new Uint8Array([0, 1, 0xfe, ...utf8('binary'), 0xff]) });
  assert.deepEqual(decodeValue(text('tag_datetime')), { seen: new Date(Date.UTC(2023, 10, 14, 22, 13, 20)) });
  assert.deepEqual(decodeValue(text('tag_tuple')), { pair: [1, 'two', 3.5] });
  assert.deepEqual(decodeValue(text('tag_di')), { looks_like_di: { ' di': 1 }, looks_like_tuple: { ' t': 'not a tuple' } });
  assert.deepEqual(decodeValue(text('tag_nested')), {
    nested: { a: { b: { c: [1, [2, utf8('3')], { d: null }] } } },
  });
  // Markup and UUIDs have no JS type: they stay tagged objects.
  assert.deepEqual(decodeValue(text('tag_uuid')), { id: { ' u': '12345678123456781234567812345678' } });
  const all = decodeValue(text('tag_all'));
  assert.deepEqual(all.when, new Date(Date.UTC(1999, 11, 31, 23, 59, 59)));
  assert.deepEqual(all.dict, { inner: { ' b': 'escaped' }, list: [new Uint8Array(), []] });
  assert.deepEqual(all.markup, { ' m': '<i>hi</i>' });
});

test('JS values encode as Flask writes them', () => {
  const flask = (name) => JSON.parse(FLASK.cases.find((c) => c.name === name).loads.session.text);
  // Each value, encoded by us, is the exact text Flask wrote for it.
  assert.equal(encodeValue(decodeValue(JSON.stringify(flask('tag_bytes').blob))), JSON.stringify(flask('tag_bytes').blob));
  assert.equal(encodeValue(new Date(Date.UTC(2023, 10, 14, 22, 13, 20))), JSON.stringify(flask('tag_datetime').seen));
  assert.equal(encodeValue({ ' di': 1 }), JSON.stringify(flask('tag_di').looks_like_di));
  assert.equal(encodeValue({ ' t': 'not a tuple' }), JSON.stringify(flask('tag_di').looks_like_tuple));
  assert.equal(encodeValue([new Uint8Array([0xde, 0xad]), { a: new Date(0) }]), '[{" b":"3q0="},{"a":{" d":"Thu, 01 Jan 1970 00:00:00 GMT"}}]');
  // Dates keep whole seconds, as Flask's HTTP dates do.
  assert.equal(encodeValue(new Date(1500)), '{" d":"Thu, 01 Jan 1970 00:00:01 GMT"}');
  assert.throws(() => encodeValue(undefined), TypeError);
  assert.throws(() => encodeValue(10n), TypeError);
  assert.throws(() => encodeValue(new Date(Number.NaN)), TypeError);
});

test('options are checked as the Rust builder checks them, with its error names', () => {
  const refused = (options, keyring = KEYS) => {
    try {
      new SessionCodec(keyring, options);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.name, 'ConfigError');
      return [error.setting, error.reason];
    }
    assert.fail('accepted');
  };
  assert.deepEqual(refused({ domain: 'example.com' }), [
    'domain',
    'a `__Host-` cookie (the default name `__Host-session`) must not have a Domain; choose another cookie name, such as `__Secure-session`',
  ]);
  assert.equal(refused({ idleTimeout: 7200, absoluteTimeout: 3600 })[0], 'idleTimeout');
  assert.equal(refused({ idleTimeout: 0 })[0], 'idleTimeout');
  assert.equal(refused({ secure: false })[0], 'secure');
  assert.equal(refused({ cookieName: 'sid', secure: false, sameSite: 'None' })[0], 'sameSite');
  assert.equal(refused({ refresh: 100000 })[0], 'refresh');
  assert.equal(refused({ padToMultipleOf: 5000 })[0], 'padToMultipleOf');
  assert.deepEqual(refused({ idleTimeout: 1.5 }), ['idleTimeout', 'expected a whole number of seconds (0 or more)']);
  assert.deepEqual(refused({ cookiename: 'x' }), ['options', 'unknown option `cookiename`']);
  assert.deepEqual(refused({ sameSite: 'lax' }), ['sameSite', 'expected "Strict", "Lax" or "None"']);
  assert.equal(refused({ acceptLegacy: [{ format: 'encryptedSession', key: 'zz', cookieName: 'old', since: new Date(0), until: new Date(1000) }] })[0], 'acceptLegacy');
  const [setting, reason] = refused({}, '1 0011\n');
  assert.equal(setting, 'keyring');
  assert.match(reason, /line 1/);
  assert.doesNotMatch(reason, /0011/, 'the key text is never repeated');
  assert.deepEqual(refused({}, ''), ['keyring', refused({}, '')[1]]);
});

test('the session object: values, identity, purge, errors', () => {
  const codec = new SessionCodec(KEYS, { cookieName: 'sid', secure: false });
  assert.equal(codec.cookieName, 'sid');
  const session = codec.load(undefined);
  assert.equal(session.id, undefined);
  assert.equal(session.get('missing'), undefined);
  session.set('user', { name: 'Zoë', roles: ['admin'] });
  session.set('raw', new Uint8Array([1, 2]));
  assert.deepEqual(session.keys(), ['user', 'raw']);
  assert.ok(session.has('raw') && session.modified && session.accessed);
  assert.throws(() => session.set('_permanent', true), (e) => e instanceof SessionError && e.kind === 'ReservedKey');
  let deep = 1;
  for (let i = 0; i < 101; i++) deep = [deep];
  assert.throws(() => session.set('deep', deep), (e) => e instanceof SessionError && e.kind === 'TooDeep');

  const [setCookie] = codec.save(session);
  assert.match(setCookie, /^sid=AQAC[A-Za-z0-9_-]+; HttpOnly; SameSite=Lax; Path=\/$/);
  const back = codec.load(`a=1; ${setCookie.split(';')[0]}`);
  assert.deepEqual(back.toJSON(), { user: { name: 'Zoë', roles: ['admin'] }, raw: new Uint8Array([1, 2]) });
  assert.match(back.id, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(Math.abs(back.createdAt.getTime() - Date.now()) < 5000);
  assert.equal(back.rejected, undefined);
  assert.equal(back.delete('raw'), true);
  assert.equal(back.delete('raw'), false);
  back.purge();
  assert.deepEqual(codec.save(back), ['sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);

  const rejected = codec.load('sid=AQACAAAAAGVT8QAJCQkJ');
  assert.equal(rejected.rejected, 'Malformed');
  assert.throws(() => codec.open('AQACAAAAAGVT8QAJCQkJ'), (e) => e instanceof SessionError && e.kind === 'Malformed');
});

test('nonces and session ids come from the randomness pool once each, across refills', () => {
  // 300 new sessions draw 300 ids and 300 nonces (9600 bytes): the
  // 1024-byte pool of crypto.getRandomValues output refills nine times.
  const codec = new SessionCodec(KEYS, { cookieName: 'sid', secure: false });
  const drawn = new Set();
  for (let i = 0; i < 300; i++) {
    const session = codec.load(undefined);
    session.set('n', i);
    const cookie = codec.seal(session);
    const opened = codec.open(cookie);
    assert.equal(opened.get('n'), i);
    const nonce = Buffer.from(cookie, 'base64url').subarray(11, 27);
    const id = Buffer.from(opened.id, 'base64url');
    assert.equal(nonce.length, 16);
    assert.equal(id.length, 16);
    // A wiped byte handed out again would be zero: 16 of them in a row
    // from fresh randomness have a chance of 2^-128.
    assert.ok(nonce.some((b) => b !== 0) && id.some((b) => b !== 0));
    drawn.add(nonce.toString('hex'));
    drawn.add(id.toString('hex'));
  }
  assert.equal(drawn.size, 600);
});

test('finish: the lifecycle by status, and Vary', () => {
  const codec = new SessionCodec(KEYS);
  const session = codec.load('');
  session.set('n', 1);
  assert.equal(codec.finish(session, 404).setCookies.length, 1);
  assert.deepEqual(codec.finish(session, 500), { setCookies: [], varyCookie: true });
  assert.deepEqual(codec.finish(session, 'failed'), { setCookies: [], varyCookie: true });
  session.set('big', 'x'.repeat(5000));
  const tooLarge = codec.finish(session, 200);
  assert.deepEqual(tooLarge.setCookies, []);
  assert.ok(tooLarge.saveError instanceof SessionError && tooLarge.saveError.kind === 'CookieTooLarge');
  assert.throws(() => codec.save(session), (e) => e.kind === 'CookieTooLarge');

  const vary = { setCookies: [], varyCookie: true };
  assert.equal(needsVary(vary, null), true);
  assert.equal(needsVary(vary, 'Accept'), true);
  assert.equal(needsVary(vary, 'accept, COOKIE'), false);
  assert.equal(needsVary(vary, '*'), false);
  assert.equal(needsVary({ setCookies: [], varyCookie: false }, null), false);
});

test('no input makes load throw, or open throw anything but a SessionError', () => {
  const codec = new SessionCodec(KEYS);
  const alphabet = 'AQBCz09_-=;, \t"\\%\u0000\u00e9\u{1F600}';
  let state = 0x2545f491;
  const random = () => {
    // xorshift32: the same inputs on every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const seed = codec.load('');
  seed.set('n', 1);
  const valid = codec.save(seed)[0].split(';')[0].split('=')[1];
  for (let i = 0; i < 2000; i++) {
    const len = Math.floor(random() * 200);
    let text = '';
    for (let j = 0; j < len; j++) text += alphabet[Math.floor(random() * alphabet.length)];
    // Random text, and a valid cookie with one character changed.
    const at = Math.floor(random() * valid.length);
    const mutated = valid.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + valid.slice(at + 1);
    for (const value of [text, mutated]) {
      const session = codec.load(`__Host-session=${value}; ${value}`);
      assert.ok(session.keys().length === 0 || value === valid);
      session.free();
      try {
        codec.open(value).free();
      } catch (error) {
        assert.ok(error instanceof SessionError, String(error));
      }
    }
  }
  // The module still works afterwards.
  assert.equal(codec.open(valid).get('n'), 1);
});
