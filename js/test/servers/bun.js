// The Hono app under Bun (Bun.serve); prints `listening <port>`.
import { readFileSync } from 'node:fs';

import { sealedSession } from '../../dist/hono.node.js';
import { createApp } from '../apps/hono-app.js';

const app = createApp(sealedSession, readFileSync(process.argv[2], 'utf8'), {}, readFileSync(process.argv[3], 'utf8'));
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch });
console.log(`listening ${server.port}`);
