// One session, two services, one keyring: the Hono app (under Node) and the
// axum example `axum_flask_shared` (crates/sealed-session-tower), which
// implement the same small contract, pass one cookie back and forth over
// HTTP on 127.0.0.1, in both directions.
//
// Needs SEALED_SESSION_AXUM, the example's binary: `cargo xtask ci` builds
// it (cargo build -p sealed-session-tower --example axum_flask_shared) and
// sets it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { serve } from '@hono/node-server';

import { sealedSession } from '../../dist/hono.node.js';
import { createSharedApp } from '../apps/shared-app.js';

const AXUM = process.env.SEALED_SESSION_AXUM;
if (!AXUM) throw new Error('SEALED_SESSION_AXUM is not set: run `cargo xtask ci`, or see the header of this file');
const KEYS = readFileSync(new URL('../data/keys.txt', import.meta.url), 'utf8');

let hono;
let axum;
let dir;
before(async () => {
  const server = serve({ fetch: createSharedApp(sealedSession, KEYS).fetch, hostname: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  hono = { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };

  // The example refuses a key file others can read: a private copy.
  dir = mkdtempSync(join(tmpdir(), 'sealed-session-js-'));
  const keys = join(dir, 'keys.txt');
  writeFileSync(keys, KEYS, { mode: 0o600 });
  const child = spawn(AXUM, ['0'], { env: { ...process.env, SEALED_SESSION_KEYS_FILE: keys }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the axum example exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve(match[1]);
    });
  });
  axum = { url, close: async () => { child.kill(); await once(child, 'exit'); } };
});
after(async () => {
  hono?.close();
  await axum?.close();
  if (dir) rmSync(dir, { recursive: true });
});

/** Calls `server`, sending `cookie`; returns the JSON and the new cookie (or the old one). */
async function call(server, method, path, cookie, body) {
  const response = await fetch(server.url + path, {
    method,
    headers: { ...(cookie ? { Cookie: cookie } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.equal(response.status, 200, `${method} ${path}`);
  const [setCookie] = response.headers.getSetCookie();
  return { json: await response.json(), setCookie, cookie: setCookie ? setCookie.split(';')[0] : cookie };
}

for (const [first, second] of [['hono', 'axum'], ['axum', 'hono']]) {
  test(`log in on ${first}, count on ${second}, log out on ${first}`, async () => {
    const servers = { hono, axum };
    const a = servers[first];
    const b = servers[second];
    const login = await call(a, 'POST', '/login', undefined, { user: 'ann' });
    assert.deepEqual(login.json, { user: 'ann', counter: 0 });
    assert.match(login.setCookie, /^session=AQAC[A-Za-z0-9_-]+; HttpOnly; SameSite=Lax; Path=\/; Max-Age=86400$/);

    assert.deepEqual((await call(b, 'GET', '/me', login.cookie)).json, { user: 'ann', counter: 0 });
    const counted = await call(b, 'POST', '/counter', login.cookie);
    assert.deepEqual(counted.json, { counter: 1 });
    assert.deepEqual((await call(a, 'GET', '/me', counted.cookie)).json, { user: 'ann', counter: 1 });
    const again = await call(a, 'POST', '/counter', counted.cookie);
    assert.deepEqual((await call(b, 'GET', '/me', again.cookie)).json, { user: 'ann', counter: 2 });

    const logout = await call(a, 'POST', '/logout', again.cookie);
    assert.equal(logout.setCookie, 'session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    assert.deepEqual((await call(b, 'GET', '/me')).json, { user: null, counter: 0 });
  });
}

test('a cookie changed in transit opens on neither side', async () => {
  const login = await call(hono, 'POST', '/login', undefined, { user: 'ann' });
  const value = login.cookie.slice('session='.length);
  const flipped = `session=${value.slice(0, 30)}${value[30] === 'A' ? 'B' : 'A'}${value.slice(31)}`;
  for (const server of [hono, axum]) {
    assert.deepEqual((await call(server, 'GET', '/me', flipped)).json, { user: null, counter: 0 });
  }
});
