// Hono middleware: `app.use(sealedSession({ keyring }))`, then
// `c.get('session')` in handlers. Import it from `sealed-session/hono`,
// which loads the WASM the way the runtime expects first.

import type { MiddlewareHandler } from 'hono';

import { type Session, needsVary } from './api.js';
import { type SealedSessionOptions, codecOf, loadSession } from './middleware.js';

export type { IronMigration, SealedSessionOptions } from './middleware.js';

/** Declares `c.get('session')`: `new Hono<SessionEnv>()`. */
export type SessionEnv = { Variables: { session: Session } };

/**
 * Loads the session from the request's cookies into `c.var.session`, and
 * after the handler applies the lifecycle: `Set-Cookie` on 1xx-4xx, none
 * on 5xx or when the handler threw, `Vary: Cookie` whenever the session was
 * used, and an empty 500 when the session cannot be saved (too large).
 *
 * @throws {ConfigError} at once, when the options are refused.
 */
export function sealedSession(options: SealedSessionOptions): MiddlewareHandler<SessionEnv> {
  const codec = codecOf(options);
  return async function sealedSession(c, next) {
    const { session, deleteLegacy } = await loadSession(codec, c.req.header('Cookie'), options.migrateFrom);
    c.set('session', session);
    try {
      await next();
      const finished = codec.finish(session, c.error ? 'failed' : c.res.status);
      if (finished.saveError) {
        // Unset first: Hono would carry the old response's headers over.
        c.res = undefined;
        c.res = new Response(null, { status: 500 });
      }
      const setCookies = [...finished.setCookies];
      if (deleteLegacy && !finished.saveError && !c.error && c.res.status < 500) setCookies.push(deleteLegacy);
      let headers = c.res.headers;
      try {
        for (const value of setCookies) headers.append('Set-Cookie', value);
      } catch {
        // An immutable response (a fetch's): copy it, then add.
        const copy = new Response(c.res.body, c.res);
        c.res = undefined;
        c.res = copy;
        headers = c.res.headers;
        for (const value of setCookies) headers.append('Set-Cookie', value);
      }
      if (needsVary(finished, headers.get('Vary'))) headers.append('Vary', 'Cookie');
    } finally {
      session.free();
    }
  };
}
