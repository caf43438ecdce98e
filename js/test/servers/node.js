// The Hono app under Node (@hono/node-server); prints `listening <port>`.
import { readFileSync } from 'node:fs';

import { serve } from '@hono/node-server';

import { sealedSession } from '../../dist/hono.node.js';
import { createApp } from '../apps/hono-app.js';

const app = createApp(sealedSession, readFileSync(process.argv[2], 'utf8'), {}, readFileSync(process.argv[3], 'utf8'));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  console.log(`listening ${info.port}`);
});
