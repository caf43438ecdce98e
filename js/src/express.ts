// Express (and Connect) middleware: `app.use(sealedSession({ keyring }))`,
// then `req.session` in handlers. Runs in Node, Deno and Bun.

import type { IncomingMessage, ServerResponse } from 'node:http';

import './node.js';
import { type Session, needsVary } from './api.js';
import { type SealedSessionOptions, codecOf, loadSession } from './middleware.js';

export type { IronMigration, SealedSessionOptions } from './middleware.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request's session (sealed-session). */
    session: Session;
  }
}

type Next = (error?: unknown) => void;

/**
 * Loads the session into `req.session`; just before the response's head is
 * written, applies the lifecycle with the response's status: `Set-Cookie`
 * on 1xx-4xx, none on 5xx (Express's own error response included),
 * `Vary: Cookie` whenever the session was used, and an empty 500 instead of
 * the handler's response when the session cannot be saved (too large).
 *
 * @throws {ConfigError} at once, when the options are refused.
 */
export function sealedSession(
  options: SealedSessionOptions,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const codec = codecOf(options);
  return function sealedSession(req, res, next) {
    loadSession(codec, req.headers.cookie, options.migrateFrom).then(
      ({ session, deleteLegacy }) => {
        attach(req, res, session, deleteLegacy);
        next();
      },
      next,
    );
  };

  function attach(req: IncomingMessage, res: ServerResponse, session: Session, deleteLegacy: string | undefined) {
    req.session = session;
    let suppressBody = false;
    const writeHead = res.writeHead;
    const write = res.write;
    const end = res.end;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      res.writeHead = writeHead;
      const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
      const finished = codec.finish(session, status);
      session.free();
      if (finished.saveError) {
        suppressBody = true;
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        res.setHeader('Content-Length', '0');
        args = [500];
      } else if (typeof args[0] === 'number' && args.length > 1) {
        // writeHead(status, [message,] headers): set them now so ours add to them.
        const headers = args[args.length - 1];
        if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
          for (const [name, value] of Object.entries(headers as Record<string, string | string[]>)) {
            res.setHeader(name, value);
          }
          args = args.slice(0, -1);
        }
      }
      for (const value of finished.setCookies) res.appendHeader('Set-Cookie', value);
      if (deleteLegacy && !finished.saveError && status < 500) res.appendHeader('Set-Cookie', deleteLegacy);
      const vary = res.getHeader('Vary');
      if (needsVary(finished, Array.isArray(vary) ? vary.join(',') : vary?.toString())) {
        res.appendHeader('Vary', 'Cookie');
      }
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof res.writeHead;
    res.write = function (this: ServerResponse, ...args: unknown[]) {
      if (!res.headersSent) res.writeHead(res.statusCode);
      if (suppressBody) return true;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof res.write;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      if (!res.headersSent) res.writeHead(res.statusCode);
      if (suppressBody) return (end as (...a: unknown[]) => ServerResponse).call(this);
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof res.end;
  }
}
