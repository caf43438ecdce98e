// The Hono app as a Worker (workerd): the keyring text is the KEYRING
// binding, the legacy key LEGACY_KEY.
import { sealedSession } from '../../dist/hono.workerd.js';
import { createApp } from '../apps/hono-app.js';

let app;
export default {
  fetch(request, env, ctx) {
    app ??= createApp(sealedSession, env.KEYRING, {}, env.LEGACY_KEY);
    return app.fetch(request, env, ctx);
  },
};
