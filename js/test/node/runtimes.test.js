// The Hono conformance app (test/apps/hono-app.js) served by workerd
// (Miniflare), Node (@hono/node-server), Deno and Bun, and the Express app
// under Node: every scenario over real HTTP on 127.0.0.1, with one client,
// then the project's conformance table (tests/conformance) against each.
// Deno, Bun and workerd come from their npm packages (node_modules/.bin).
//
// Needs SEALED_SESSION_CONFORMANCE, the conformance runner's binary:
// `cargo xtask ci` builds it (cargo build -p sealed-session-conformance)
// and sets it, after building the package (`npm run build`).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';

import { SessionCodec, sealEnvelopeWithNonce } from '../../dist/node.js';
import { createExpressApp } from '../apps/express-app.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
// The conformance table's keyring and legacy key (public test keys).
const KEYS_FILE = here('../../../tests/conformance/keys.txt');
const LEGACY_KEY_FILE = here('../../../tests/conformance/legacy-key.txt');
const KEYS = readFileSync(KEYS_FILE, 'utf8');
const CONFORMANCE = process.env.SEALED_SESSION_CONFORMANCE;
if (!CONFORMANCE) {
  throw new Error('SEALED_SESSION_CONFORMANCE is not set: run `cargo xtask ci`, or see the header of this file');
}
// The same ring with the older key (id 1) primary: cookies a service that
// has not rotated yet writes.
const OLD_KEYS = KEYS.split('\n').filter((line) => /^[12] /.test(line)).reverse().join('\n');
const NAME = '__Host-session';
const ATTRIBUTES = '; HttpOnly; Secure; SameSite=Lax; Path=/';
const BIN = here('../../node_modules/.bin/');

/** The test's own codec: it opens what the servers set. */
const reader = new SessionCodec(KEYS, { cookieName: NAME, idleTimeout: 3600, absoluteTimeout: 86400 });

// --- servers -------------------------------------------------------------

/** Starts `command` and waits for its `listening <port>` line. */
async function child(command, args) {
  const process_ = spawn(command, args, {
    cwd: here('../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: process_.stdout });
  const port = await new Promise((resolve, reject) => {
    process_.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
    lines.on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      process_.kill();
      await once(process_, 'exit');
    },
  };
}

async function workerd() {
  const outdir = here('../../target/worker/');
  await esbuild.build({
    entryPoints: [here('../servers/worker.js')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker'],
    mainFields: ['module', 'main'],
    outdir,
    loader: { '.wasm': 'copy' },
    assetNames: '[name]',
    logLevel: 'warning',
  });
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${outdir}worker.js`,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-01-01',
    bindings: { KEYRING: KEYS, LEGACY_KEY: readFileSync(LEGACY_KEY_FILE, 'utf8') },
    host: '127.0.0.1',
    port: 0,
  });
  const url = await mf.ready;
  return { url: url.origin, close: () => mf.dispose() };
}

async function express() {
  const server = createExpressApp(KEYS, {}, readFileSync(LEGACY_KEY_FILE, 'utf8')).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const SERVERS = {
  'hono on workerd': workerd,
  'hono on node': () => child(process.execPath, ['test/servers/node.js', KEYS_FILE, LEGACY_KEY_FILE]),
  'hono on deno': () =>
    child(`${BIN}deno`, ['run', '--allow-read', '--allow-net', 'test/servers/deno.js', KEYS_FILE, LEGACY_KEY_FILE]),
  'hono on bun': () => child(`${BIN}bun`, ['test/servers/bun.js', KEYS_FILE, LEGACY_KEY_FILE]),
  'express on node': express,
};

// --- the client ------------------------------------------------------------

async function get(base, path, cookie) {
  const response = await fetch(base + path, {
    headers: cookie ? { Cookie: cookie } : {},
    redirect: 'manual',
  });
  return {
    status: response.status,
    body: await response.text(),
    setCookies: response.headers.getSetCookie(),
    vary: response.headers.get('Vary'),
  };
}

/** The value of a `Set-Cookie` that sets the session (checking its attributes). */
function sessionValue(setCookie) {
  assert.ok(setCookie.startsWith(`${NAME}=`), setCookie);
  assert.ok(setCookie.endsWith(ATTRIBUTES), setCookie);
  return setCookie.slice(NAME.length + 1, -ATTRIBUTES.length);
}

function assertDeletes(setCookie) {
  assert.equal(setCookie, `${NAME}=${ATTRIBUTES}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
}

/** A cookie sealed outside the app, per FORMAT.md §12: meta (0x00, flags, created_at, id) + JSON. */
function crafted({ n, createdAt, issuedAt, keys = KEYS, id = new Uint8Array(16).fill(7) }) {
  const json = new TextEncoder().encode(JSON.stringify({ n }));
  const payload = new Uint8Array(26 + json.length);
  payload[1] = 0b10;
  new DataView(payload.buffer).setBigUint64(2, BigInt(createdAt));
  payload.set(id, 10);
  payload.set(json, 26);
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const context = new TextEncoder().encode(NAME);
  return sealEnvelopeWithNonce(keys, payload, context, issuedAt, nonce);
}

const now = () => Math.floor(Date.now() / 1000);

// --- the scenarios, for every server ---------------------------------------

for (const [name, start] of Object.entries(SERVERS)) {
  describe(name, () => {
    let server;
    before(async () => {
      server = await start();
    });
    after(async () => {
      await server?.close();
    });

    test('login, counter, read, untouched', async () => {
      const login = await get(server.url, '/regenerate');
      assert.equal(login.status, 200);
      assert.equal(login.body, '1');
      assert.equal(login.vary, 'Cookie');
      assert.equal(login.setCookies.length, 1);
      const first = sessionValue(login.setCookies[0]);
      assert.ok(first.startsWith('AQAC'), 'sealed by the primary key, id 2');
      const opened = reader.open(first);
      assert.equal(opened.get('n'), 1);
      const id = opened.id;
      assert.match(id, /^[A-Za-z0-9_-]{22}$/);

      const write = await get(server.url, '/write', `${NAME}=${first}`);
      assert.equal(write.body, '2');
      const second = sessionValue(write.setCookies[0]);
      assert.equal(reader.open(second).get('n'), 2);
      assert.equal(reader.open(second).id, id, 'a write keeps the session id');

      const read = await get(server.url, '/read', `other=1; ${NAME}=${second}`);
      assert.deepEqual([read.status, read.body, read.setCookies, read.vary], [200, '2', [], 'Cookie']);

      const none = await get(server.url, '/none', `${NAME}=${second}`);
      assert.deepEqual([none.status, none.body, none.setCookies, none.vary], [200, 'none', [], null]);

      const again = await get(server.url, '/regenerate', `${NAME}=${second}`);
      const renewed = reader.open(sessionValue(again.setCookies[0]));
      assert.equal(renewed.get('n'), 3);
      assert.notEqual(renewed.id, id, 'a login gets a new id');
    });

    test('logout deletes the cookie', async () => {
      const { setCookies } = await get(server.url, '/write');
      const response = await get(server.url, '/purge', `${NAME}=${sessionValue(setCookies[0])}`);
      assert.equal(response.status, 200);
      assert.equal(response.setCookies.length, 1);
      assertDeletes(response.setCookies[0]);
      assert.equal(response.vary, 'Cookie');
    });

    test('a tampered cookie is rejected and deleted', async () => {
      const { setCookies } = await get(server.url, '/write');
      const value = sessionValue(setCookies[0]);
      const flipped = value.slice(0, 30) + (value[30] === 'A' ? 'B' : 'A') + value.slice(31);
      const response = await get(server.url, '/read', `${NAME}=${flipped}`);
      assert.equal(response.body, '0');
      assert.equal(response.setCookies.length, 1);
      assertDeletes(response.setCookies[0]);
    });

    test('expiry: idle timeout, absolute timeout, and the refresh before them', async () => {
      const idle = crafted({ n: 5, createdAt: now() - 4000, issuedAt: now() - 3601 });
      const expired = await get(server.url, '/read', `${NAME}=${idle}`);
      assert.equal(expired.body, '0');
      assertDeletes(expired.setCookies[0]);

      const old = crafted({ n: 5, createdAt: now() - 86401, issuedAt: now() - 10 });
      const ended = await get(server.url, '/read', `${NAME}=${old}`);
      assert.equal(ended.body, '0');
      assertDeletes(ended.setCookies[0]);

      // Read after 2 minutes: sealed again (refresh after 60 s), same data and id.
      const createdAt = now() - 600;
      const stale = crafted({ n: 5, createdAt, issuedAt: now() - 120 });
      const refreshed = await get(server.url, '/read', `${NAME}=${stale}`);
      assert.equal(refreshed.body, '5');
      const value = sessionValue(refreshed.setCookies[0]);
      const session = reader.open(value);
      assert.equal(session.get('n'), 5);
      assert.ok(session.issuedAt.getTime() / 1000 >= now() - 5);
      assert.equal(session.createdAt.getTime() / 1000, createdAt, 'a refresh keeps the creation time');
    });

    test('oversized: an empty 500, no Set-Cookie, Vary: Cookie', async () => {
      const response = await get(server.url, '/big');
      assert.deepEqual([response.status, response.body, response.setCookies, response.vary], [500, '', [], 'Cookie']);
    });

    test('rotation: a cookie of the older key is read and sealed again with the primary', async () => {
      const older = crafted({ n: 8, createdAt: now() - 100, issuedAt: now() - 5, keys: OLD_KEYS });
      assert.ok(older.startsWith('AQAB'), 'sealed by key 1');
      const response = await get(server.url, '/read', `${NAME}=${older}`);
      assert.equal(response.body, '8');
      const value = sessionValue(response.setCookies[0]);
      assert.ok(value.startsWith('AQAC'), 're-sealed by key 2');
      assert.equal(reader.open(value).get('n'), 8);
    });

    test('statuses: 4xx saves, 5xx and a failure commit nothing', async () => {
      const { setCookies } = await get(server.url, '/write');
      const cookie = `${NAME}=${sessionValue(setCookies[0])}`;
      for (const code of [302, 404]) {
        const response = await get(server.url, `/status/${code}`, cookie);
        assert.equal(response.status, code);
        assert.equal(reader.open(sessionValue(response.setCookies[0])).get('n'), 2, `${code}`);
        // Express's redirect adds `Vary: Accept` of its own.
        assert.equal(response.vary, code === 302 && name.startsWith('express') ? 'Accept, Cookie' : 'Cookie');
      }
      for (const path of ['/status/500', '/status/503', '/fail']) {
        const response = await get(server.url, path, cookie);
        assert.ok(response.status >= 500, path);
        assert.deepEqual(response.setCookies, [], path);
        assert.equal(response.vary, 'Cookie', path);
      }
      // A rejected cookie is not deleted by a failed request either.
      const response = await get(server.url, '/status/500', `${NAME}=AQACAAAAAGVT8QAJCQkJ`);
      assert.deepEqual(response.setCookies, []);
    });

    test('the conformance table (tests/conformance)', async () => {
      // Asynchronously: the Express app is served by this very process.
      const run = await new Promise((resolve) => {
        execFile(CONFORMANCE, [server.url], { timeout: 120_000 }, (error, stdout, stderr) => {
          resolve({ status: error ? (error.code ?? 'killed') : 0, stdout, stderr });
        });
      });
      assert.equal(run.status, 0, `the conformance runner failed:\n${run.stdout}${run.stderr}`);
      const rows = run.stdout.split('\n').filter((line) => line.startsWith('| `'));
      assert.equal(rows.length, 34, run.stdout);
      assert.ok(rows.every((row) => row.endsWith('| pass |')), run.stdout);
      assert.match(run.stdout, /\n34 of 34 rows passed\.\n/);
    });
  });
}
