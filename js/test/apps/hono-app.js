// The conformance app (LIFECYCLE.md) in Hono: one module for every runtime.
// `sealedSession` comes from the runtime's entry of the package.

import { Hono } from 'hono';

/** The codec options every runtime's app uses (the conformance contract, tests/conformance/README.md). */
export const OPTIONS = {
  cookieName: '__Host-session',
  idleTimeout: 3600,
  absoluteTimeout: 86400,
  refresh: 60,
};

/** The contract's legacy migration: EncryptedSession cookies under `legacy_session`, from the app's start. */
export function legacy(legacyKey) {
  if (!legacyKey) return {};
  return {
    acceptLegacy: [
      {
        format: 'encryptedSession',
        key: legacyKey.trim(),
        cookieName: 'legacy_session',
        since: new Date(),
        until: new Date('2036-01-01T00:00:00Z'),
      },
    ],
  };
}

export function createApp(sealedSession, keyring, extra = {}, legacyKey = undefined) {
  const app = new Hono();
  app.use(sealedSession({ keyring, ...OPTIONS, ...legacy(legacyKey), ...extra }));
  const bump = (c) => {
    const session = c.get('session');
    const n = (session.get('n') ?? 0) + 1;
    session.set('n', n);
    return n;
  };
  app.get('/none', (c) => c.text('none'));
  app.get('/read', (c) => c.text(String(c.get('session').get('n') ?? 0)));
  app.get('/user', (c) => c.text(String(c.get('session').get('user') ?? '')));
  app.get('/write', (c) => c.text(String(bump(c))));
  app.get('/purge', (c) => {
    c.get('session').purge();
    return c.text('');
  });
  app.get('/regenerate', (c) => {
    c.get('session').regenerate();
    return c.text(String(bump(c)));
  });
  app.get('/status/:code', (c) => {
    bump(c);
    const code = Number(c.req.param('code'));
    if (code === 302) return c.redirect('/', 302);
    return c.body(null, code);
  });
  app.get('/fail', (c) => {
    bump(c);
    throw new Error('the handler failed');
  });
  app.get('/big', (c) => {
    c.get('session').set('big', 'x'.repeat(5000));
    return c.text('too big');
  });
  // Tagged values, for the cross-language test: bytes and a date.
  app.get('/tagged', (c) => {
    const session = c.get('session');
    session.set('bytes', new Uint8Array([0, 1, 2, 255]));
    session.set('when', new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
    return c.text('ok');
  });
  return app;
}
