// One session between the Hono app (under Node, over HTTP on 127.0.0.1)
// and the Rust side: the `sealed-session` command line, built on the same
// std crate as the axum and actix layers. Tagged values cross both ways.
//
// Needs SEALED_SESSION_CLI, the command's path: `cargo xtask ci` builds it
// (cargo build -p sealed-session-cli) and sets it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

import { serve } from '@hono/node-server';

import { SessionCodec } from '../../dist/node.js';
import { sealedSession } from '../../dist/hono.node.js';
import { createApp } from '../apps/hono-app.js';

const CLI = process.env.SEALED_SESSION_CLI;
if (!CLI) throw new Error('SEALED_SESSION_CLI is not set: run `cargo xtask ci`, or see the header of this file');
const KEYS = readFileSync(new URL('../data/keys.txt', import.meta.url), 'utf8');
const NAME = '__Host-session';

/** Runs the command line with the keyring in its environment. */
const cli = (args, input) =>
  execFileSync(CLI, args, { input, stdio: 'pipe', env: { ...process.env, SEALED_SESSION_KEYS: KEYS } }).toString().trim();

let server;
let base;
before(async () => {
  server = serve({ fetch: createApp(sealedSession, KEYS).fetch, hostname: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

test('a session the Hono app wrote opens in Rust, tagged values included', async () => {
  const response = await fetch(`${base}/tagged`);
  const value = response.headers.getSetCookie()[0].split(';')[0].slice(NAME.length + 1);
  // The command line shows bytes in the Python package's form; the date is Flask's tag.
  assert.equal(
    cli(['open', '--context', NAME], value),
    '{"bytes":{"__type__":"bytes","b":"AAEC/w=="},"when":{" d":"Fri, 02 Jan 2026 03:04:05 GMT"}}',
  );
});

test('a session Rust sealed is read and continued by the Hono app', async () => {
  const value = cli(['seal', '--context', NAME], '{"n":41,"raw":{"__type__":"bytes","b":"AQID"}}');
  const response = await fetch(`${base}/write`, { headers: { Cookie: `${NAME}=${value}` } });
  assert.equal(await response.text(), '42');
  const written = response.headers.getSetCookie()[0].split(';')[0].slice(NAME.length + 1);
  const session = new SessionCodec(KEYS).open(written);
  assert.deepEqual(session.toJSON(), { n: 42, raw: new Uint8Array([1, 2, 3]) });
  // And back to Rust once more.
  assert.equal(cli(['open', '--context', NAME], written), '{"n":42,"raw":{"__type__":"bytes","b":"AQID"}}');
});

test('a cookie bound to another name does not open in either', async () => {
  const value = cli(['seal', '--context', 'other'], '{"n":1}');
  const response = await fetch(`${base}/read`, { headers: { Cookie: `${NAME}=${value}` } });
  assert.equal(await response.text(), '0');
  assert.throws(
    () => cli(['open', '--context', 'other-name'], value),
    (error) => error.status === 1 && error.stderr.toString() === 'sealed-session: cookie rejected: not authentic\n',
  );
});
