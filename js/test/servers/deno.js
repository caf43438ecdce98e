// The Hono app under Deno (Deno.serve); prints `listening <port>`.
import { sealedSession } from '../../dist/hono.node.js';
import { createApp } from '../apps/hono-app.js';

const app = createApp(sealedSession, Deno.readTextFileSync(Deno.args[0]), {}, Deno.readTextFileSync(Deno.args[1]));
Deno.serve({
  hostname: '127.0.0.1',
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, app.fetch);
