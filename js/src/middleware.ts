// What the Hono and Express middleware share: building the codec from the
// options, and reading the session with an optional migration from
// iron-session's cookies.

import { type Session, SessionCodec, type SessionOptions } from './api.js';

/**
 * Accept iron-session cookies until a date, with iron-session's own unseal:
 * the first request carrying one gets a sealed-session cookie with the same
 * data, and the iron cookie is deleted (on any response that commits: not
 * on a 5xx). After `until`, iron cookies are only deleted.
 *
 * ```js
 * import { unsealData } from 'iron-session';
 * migrateFrom: {
 *   cookieName: 'iron-session-cookie',
 *   unseal: (seal) => unsealData(seal, { password: process.env.IRON_PASSWORD }),
 *   until: new Date('2027-01-01T00:00:00Z'),
 * }
 * ```
 */
export interface IronMigration {
  /** The iron-session cookie's name (its `cookieName` option). */
  cookieName: string;
  /** Opens one iron seal: iron-session's `unsealData` (or iron-webcrypto's `unseal`) with your password(s). A seal that does not open gives `{}` or throws. */
  unseal: (seal: string) => Promise<unknown> | unknown;
  /** Iron cookies are read until this date. */
  until: Date;
  /** The iron cookie's `Path` (default `/`). */
  path?: string;
  /** The iron cookie's `Domain`, if it had one. */
  domain?: string;
}

/** The middleware's options: a codec, or the keyring text and the codec's options. */
export type SealedSessionOptions = (({ keyring: string } & SessionOptions) | { codec: SessionCodec }) & {
  migrateFrom?: IronMigration;
};

/** The codec the options give. */
export function codecOf(options: SealedSessionOptions): SessionCodec {
  if ('codec' in options) return options.codec;
  const { keyring, migrateFrom: _, ...rest } = options;
  return new SessionCodec(keyring, rest);
}

/** The value of cookie `name` in a `Cookie` header, if there. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** A loaded session, and the `Set-Cookie` deleting an iron cookie to send when the response commits. */
export interface LoadedSession {
  session: Session;
  deleteLegacy?: string;
}

/** Loads the request's session, migrating an iron-session cookie when there is one to migrate. */
export async function loadSession(
  codec: SessionCodec,
  header: string | undefined,
  migrate: IronMigration | undefined,
): Promise<LoadedSession> {
  const session = codec.load(header);
  const iron = migrate && cookieValue(header, migrate.cookieName);
  if (!migrate || iron === undefined) return { session };
  const deleteLegacy =
    `${migrate.cookieName}=; Path=${migrate.path ?? '/'}` +
    (migrate.domain ? `; Domain=${migrate.domain}` : '') +
    '; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  // Only when no sealed-session cookie opened, and before the end date.
  if (session.id === undefined && session.keys().length === 0 && Date.now() < migrate.until.getTime()) {
    let data: unknown;
    try {
      data = await migrate.unseal(iron);
    } catch {
      data = undefined;
    }
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
      try {
        for (const [key, value] of Object.entries(data)) session.set(key, value);
      } catch {
        // A value the session refuses (too deep, `_permanent`): start empty.
        session.purge();
      }
    }
  }
  return { session, deleteLegacy };
}
