// Migration from iron-session: cookies sealed by iron-session's own
// sealData, read with its own unsealData until an end date, answered with a
// sealed-session cookie, and the iron cookie deleted; in the Hono app
// (under Node) and the Express app, over HTTP on 127.0.0.1.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

import { serve } from '@hono/node-server';
import { sealData, unsealData } from 'iron-session';

import { SessionCodec } from '../../dist/node.js';
import { sealedSession } from '../../dist/hono.node.js';
import { createApp } from '../apps/hono-app.js';
import { createExpressApp } from '../apps/express-app.js';

const KEYS = readFileSync(new URL('../data/keys.txt', import.meta.url), 'utf8');
const PASSWORD = 'the iron-session password, at least 32 characters long';
const NAME = '__Host-session';
const IRON = 'iron-session-cookie';
const DELETE_IRON = `${IRON}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
const reader = new SessionCodec(KEYS);

const migration = (until) => ({
  migrateFrom: { cookieName: IRON, until, unseal: (seal) => unsealData(seal, { password: PASSWORD }) },
});
const FUTURE = new Date(Date.now() + 86400_000);
const PAST = new Date(Date.now() - 1000);

async function listen(kind, extra) {
  if (kind === 'hono') {
    const app = createApp(sealedSession, KEYS, extra);
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    return server;
  }
  const server = createExpressApp(KEYS, extra).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function get(server, path, cookie) {
  const response = await fetch(`http://127.0.0.1:${server.address().port}${path}`, {
    headers: cookie ? { Cookie: cookie } : {},
  });
  return { status: response.status, body: await response.text(), setCookies: response.headers.getSetCookie() };
}

for (const kind of ['hono', 'express']) {
  describe(`${kind}: iron-session migration`, () => {
    let open;
    let ended;
    before(async () => {
      open = await listen(kind, migration(FUTURE));
      ended = await listen(kind, migration(PAST));
    });
    after(() => {
      open.close();
      ended.close();
    });

    test('an iron cookie becomes a sealed-session cookie, and is deleted', async () => {
      const iron = await sealData({ user: 'ann', n: 4 }, { password: PASSWORD });
      assert.match(iron, /^Fe26\.2\*/, "iron's own format");
      const response = await get(open, '/write', `theme=dark; ${IRON}=${iron}`);
      assert.equal(response.body, '5');
      assert.equal(response.setCookies.length, 2);
      const [sealed, deletion] = response.setCookies;
      const session = reader.open(sealed.slice(NAME.length + 1).split(';')[0]);
      assert.deepEqual(session.toJSON(), { user: 'ann', n: 5 });
      assert.equal(deletion, DELETE_IRON);
      // Read-only requests migrate too: the data is saved on the first one.
      const read = await get(open, '/user', `${IRON}=${iron}`);
      assert.equal(read.body, 'ann');
      assert.equal(reader.open(read.setCookies[0].slice(NAME.length + 1).split(';')[0]).get('user'), 'ann');
      assert.equal(read.setCookies[1], DELETE_IRON);
    });

    test('a sealed-session cookie wins over an iron cookie', async () => {
      const iron = await sealData({ n: 40 }, { password: PASSWORD });
      const first = await get(open, '/write');
      const ours = first.setCookies[0].split(';')[0];
      const response = await get(open, '/read', `${ours}; ${IRON}=${iron}`);
      assert.equal(response.body, '1');
      assert.deepEqual(response.setCookies, [DELETE_IRON]);
    });

    test('a tampered or foreign iron cookie is not read, only deleted', async () => {
      const other = await sealData({ n: 40 }, { password: 'another password of at least 32 characters!!' });
      const iron = await sealData({ n: 40 }, { password: PASSWORD });
      const tampered = iron.slice(0, 60) + (iron[60] === 'A' ? 'B' : 'A') + iron.slice(61);
      for (const cookie of [other, tampered]) {
        const response = await get(open, '/read', `${IRON}=${cookie}`);
        assert.equal(response.body, '0');
        assert.deepEqual(response.setCookies, [DELETE_IRON]);
      }
    });

    test('after the end date iron cookies are ignored and deleted', async () => {
      const iron = await sealData({ n: 4 }, { password: PASSWORD });
      const response = await get(ended, '/read', `${IRON}=${iron}`);
      assert.equal(response.body, '0');
      assert.deepEqual(response.setCookies, [DELETE_IRON]);
    });

    test('a 5xx commits nothing: the iron cookie stays', async () => {
      const iron = await sealData({ n: 4 }, { password: PASSWORD });
      const response = await get(open, '/status/500', `${IRON}=${iron}`);
      assert.equal(response.status, 500);
      assert.deepEqual(response.setCookies, []);
    });
  });
}
