// The Hono app of the cross-service contract (test/apps/shared-app.js)
// under Node, for the Python package's cross-service test against Flask:
// prints `listening on http://127.0.0.1:<port>`.
import { readFileSync } from 'node:fs';

import { serve } from '@hono/node-server';

import { sealedSession } from '../../dist/hono.node.js';
import { createSharedApp } from '../apps/shared-app.js';

const app = createSharedApp(sealedSession, readFileSync(process.argv[2], 'utf8'));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
