// The contract of the axum example `axum_flask_shared` (and of the Flask
// app beside it) in Hono: JSON in and out, the session holding `user` and
// `counter` under Flask's cookie name `session`, over plain HTTP.

import { Hono } from 'hono';

export function createSharedApp(sealedSession, keyring) {
  const app = new Hono();
  app.use(sealedSession({ keyring, cookieName: 'session', secure: false }));
  const me = (session) => ({ user: session.get('user') ?? null, counter: session.get('counter') ?? 0 });
  app.post('/login', async (c) => {
    const { user } = await c.req.json();
    const session = c.get('session');
    session.purge();
    session.regenerate();
    session.permanent = true;
    session.set('user', user);
    session.set('counter', 0);
    return c.json(me(session));
  });
  app.get('/me', (c) => c.json(me(c.get('session'))));
  app.post('/counter', (c) => {
    const session = c.get('session');
    const counter = (session.get('counter') ?? 0) + 1;
    session.set('counter', counter);
    return c.json({ counter });
  });
  app.post('/logout', (c) => {
    c.get('session').purge();
    return c.json({ user: null });
  });
  return app;
}
