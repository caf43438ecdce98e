// The package's JavaScript API over the WebAssembly core
// (crates/sealed-session-js). This module never loads the WASM itself: the
// entry point of each runtime (node.ts, workerd.ts) does, before anything
// here runs.

import {
  Codec,
  RawSession,
  openEnvelope as rawOpenEnvelope,
  sealEnvelopeWithNonce as rawSealEnvelopeWithNonce,
} from '../wasm/sealed_session_js.js';

/** A JSON value as a session stores it, with Flask's tagged types mapped. */
export type SessionValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | Date
  | SessionValue[]
  | { [key: string]: SessionValue };

/**
 * Cookies of the Python EncryptedSession package, accepted under their own
 * cookie name from `since` until `until`, then answered with an envelope
 * v1 cookie (the Rust builder's `accept_legacy(Legacy::encrypted_session(..))`).
 */
export interface LegacySource {
  format: 'encryptedSession';
  /** The package's 32-byte `crypto_key`: 64 hex digits or 43 base64url characters. */
  key: string;
  cookieName: string;
  since: Date;
  until: Date;
  path?: string;
  domain?: string;
}

/**
 * The codec's settings: the Rust builder's (`SessionCodecBuilder`), in
 * camelCase, with the same defaults and the same checks. Durations are whole
 * seconds.
 */
export interface SessionOptions {
  /** Default `__Host-session`. */
  cookieName?: string;
  /** Bind cookies to this context instead of the cookie name. */
  context?: string;
  /** Default `/`. */
  path?: string;
  /** Default none (a host-only cookie); not with a `__Host-` name. */
  domain?: string;
  /** Default true; false only for local development over plain HTTP. */
  secure?: boolean;
  /** Default true. */
  httpOnly?: boolean;
  /** Default false. */
  partitioned?: boolean;
  /** Default `Lax`. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Seconds a session may go unused; default 86400. */
  idleTimeout?: number;
  /** Seconds a session may live from login; default 604800. */
  absoluteTimeout?: number;
  /** When an unchanged session is sealed again; default after 60 s. */
  refresh?: 'eachRequest' | 'never' | number;
  /** Default `never`; see the Rust docs for what compression risks. */
  compression?: 'never' | { above: number };
  /** Pad plaintexts to a multiple of this many bytes; default 0. */
  padToMultipleOf?: number;
  /** Default 65536. */
  maxPlaintextLen?: number;
  /** Seconds a cookie's issue time may lie in the future; default 60. */
  clockSkew?: number;
  /** Default `v1`; `legacy` writes the Python EncryptedSession format. */
  sealFormat?: 'v1' | 'legacy';
  acceptLegacy?: LegacySource[];
}

/** The Rust `SessionError` variants, and the core `ErrorKind`s of a cookie that did not open. */
export type SessionErrorKind =
  | 'Malformed'
  | 'UnknownVersion'
  | 'UnknownKeyId'
  | 'Unauthentic'
  | 'Expired'
  | 'IssuedInFuture'
  | 'TooLarge'
  | 'BufferTooSmall'
  | 'ContextTooLong'
  | 'InvalidKey'
  | 'KeyringFull'
  | 'DuplicateKeyId'
  | 'LifetimeExceeded'
  | 'LegacyNoLongerAccepted'
  | 'InvalidSession'
  | 'InvalidJson'
  | 'TooDeep'
  | 'InvalidBytes'
  | 'WrongType'
  | 'Unserializable'
  | 'ReservedKey'
  | 'CookieTooLarge'
  | 'Random'
  | 'AmbiguousSession'
  | 'Revoked'
  | 'RevocationUnavailable'
  | (string & {});

/** A configuration the codec refuses: the option at fault and why. */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
  /** The option's name (`keyring` for the keyring text). */
  readonly setting: string;
  readonly reason: string;
  constructor(setting: string, reason: string) {
    super(`invalid setting \`${setting}\`: ${reason}`);
    this.setting = setting;
    this.reason = reason;
  }
}

/** Why a session operation failed or a cookie was rejected; never holds session data. */
export class SessionError extends Error {
  override name = 'SessionError' as const;
  readonly kind: SessionErrorKind;
  constructor(kind: SessionErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Turns an error thrown by the WASM core into this package's classes. */
function translate(error: unknown): unknown {
  if (error instanceof Error) {
    const fields = error as Error & { setting?: string; reason?: string; kind?: string };
    if (error.name === 'ConfigError' && fields.setting !== undefined) {
      return new ConfigError(fields.setting, fields.reason ?? '');
    }
    if (error.name === 'SessionError' && fields.kind !== undefined) {
      return new SessionError(fields.kind, error.message);
    }
  }
  return error;
}

function call<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw translate(error);
  }
}

// Flask's tagged JSON (flask.json.tag): the tags a one-member object may be.
const TAGS = new Set([' di', ' t', ' b', ' m', ' u', ' d']);

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A session value as JSON text in Flask's tagged JSON: `Uint8Array` →
 * `{" b": base64}`, `Date` → `{" d": HTTP date}` (whole seconds, as Flask
 * writes datetimes), and a one-member object whose key is a tag →
 * `{" di": {"key__": value}}`, as Flask escapes it.
 */
export function encodeValue(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, replaced) {
    const original = this[key];
    if (original instanceof Date) {
      if (Number.isNaN(original.getTime())) throw new TypeError('an invalid Date');
      return { ' d': original.toUTCString() };
    }
    if (original instanceof Uint8Array) return { ' b': toBase64(original) };
    if (isPlainObject(replaced)) {
      const keys = Object.keys(replaced);
      if (keys.length === 1 && TAGS.has(keys[0]!)) {
        return { ' di': { [`${keys[0]}__`]: replaced[keys[0]!] } };
      }
    }
    return replaced;
  });
  if (text === undefined) throw new TypeError('a session value must be JSON: not undefined or a function');
  return text;
}

/** The reverse of {@link encodeValue}; ` t` (tuples) become arrays; ` m` and ` u` stay tagged objects. */
export function decodeValue(text: string): SessionValue {
  return JSON.parse(text, (_key, value: unknown) => {
    if (!isPlainObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length !== 1) return value;
    const inner = value[keys[0]!];
    switch (keys[0]) {
      case ' b':
        return typeof inner === 'string' ? fromBase64(inner) : value;
      case ' d': {
        const time = typeof inner === 'string' ? Date.parse(inner) : Number.NaN;
        return Number.isNaN(time) ? value : new Date(time);
      }
      case ' t':
        return Array.isArray(inner) ? inner : value;
      case ' di':
        if (isPlainObject(inner)) {
          const [escaped] = Object.keys(inner);
          if (Object.keys(inner).length === 1 && escaped!.endsWith('__')) {
            return { [escaped!.slice(0, -2)]: inner[escaped!] };
          }
        }
        return value;
      default:
        return value;
    }
  }) as SessionValue;
}

/**
 * A session: a JSON object held by the WASM core. Read and write it during
 * a request; the middleware seals it at the end.
 */
export class Session {
  /** @internal */
  readonly raw: RawSession;

  /** @internal */
  constructor(raw: RawSession = new RawSession()) {
    this.raw = raw;
  }

  /** The value under `key`, or `undefined`. */
  get<T extends SessionValue = SessionValue>(key: string): T | undefined {
    const text = this.raw.get(key);
    return text === undefined ? undefined : (decodeValue(text) as T);
  }

  /**
   * Stores `value` under `key` (JSON, with `Uint8Array` and `Date`; see
   * {@link encodeValue}).
   *
   * @throws {SessionError} `ReservedKey` for `_permanent`, `TooDeep` past 100 levels.
   * @throws {TypeError} for a value JSON cannot hold (undefined, a BigInt, a cycle).
   */
  set(key: string, value: SessionValue): void {
    const text = encodeValue(value);
    call(() => this.raw.set(key, text));
  }

  /** Removes `key`; whether it was there. */
  delete(key: string): boolean {
    return this.raw.delete(key);
  }

  has(key: string): boolean {
    return this.raw.has(key);
  }

  keys(): string[] {
    return this.raw.keys();
  }

  /** Empties the session (logout): the response deletes the cookie. */
  purge(): void {
    this.raw.clear();
  }

  /** A new id at the next save, keeping the data: call it at login. */
  regenerate(): void {
    this.raw.regenerate();
  }

  /** The session id (22 base64url characters), once the session has been sealed. */
  get id(): string | undefined {
    return this.raw.id;
  }

  /** When the session was created or last regenerated (whole seconds). */
  get createdAt(): Date | undefined {
    const seconds = this.raw.createdAt;
    return seconds === undefined ? undefined : new Date(seconds * 1000);
  }

  /** When its cookie was sealed. */
  get issuedAt(): Date | undefined {
    const seconds = this.raw.issuedAt;
    return seconds === undefined ? undefined : new Date(seconds * 1000);
  }

  /** A permanent session's cookie gets `Max-Age` (the idle timeout). */
  get permanent(): boolean {
    return this.raw.permanent;
  }

  set permanent(permanent: boolean) {
    this.raw.permanent = permanent;
  }

  get modified(): boolean {
    return this.raw.modified;
  }

  get accessed(): boolean {
    return this.raw.accessed;
  }

  /** Why the request's cookie was rejected (for logs), if one was. */
  get rejected(): SessionErrorKind | undefined {
    return this.raw.rejected;
  }

  /** The members, decoded. */
  toJSON(): Record<string, SessionValue> {
    return decodeValue(this.raw.toJsonText()) as Record<string, SessionValue>;
  }

  /** Frees the WASM memory now (otherwise the garbage collector does). */
  free(): void {
    this.raw.free();
  }
}

/** What a response carries for the session: the one lifecycle. */
export interface Finished {
  /** `Set-Cookie` values to append, in order. */
  setCookies: string[];
  /** Append `Cookie` to `Vary` (see {@link needsVary}). */
  varyCookie: boolean;
  /** The session could not be saved: answer with an empty 500 instead, no `Set-Cookie`. */
  saveError?: SessionError;
}

/** How the handler ended: its status, or `'failed'` when it threw and nothing answered. */
export type Outcome = number | 'failed';

/** Whether to append `Vary: Cookie` given the response's `Vary` header. */
export function needsVary(finished: Finished, existing: string | null | undefined): boolean {
  if (!finished.varyCookie) return false;
  if (!existing) return true;
  return !existing.split(',').some((token) => {
    const name = token.trim().toLowerCase();
    return name === 'cookie' || name === '*';
  });
}

/**
 * Seals sessions into cookies and back. Build it once, from the keyring
 * file's text (`<id> <key>` lines, the primary first) and options.
 *
 * @throws {ConfigError} naming the option at fault.
 */
export class SessionCodec {
  readonly #codec: Codec;

  constructor(keyring: string, options: SessionOptions = {}) {
    const json = JSON.stringify(options, function (this: Record<string, unknown>, key, value) {
      const original = this[key];
      return original instanceof Date ? Math.floor(original.getTime() / 1000) : value;
    });
    this.#codec = call(() => new Codec(keyring, json));
  }

  get cookieName(): string {
    return this.#codec.cookieName;
  }

  /** The session of a request's `Cookie` header; never throws. */
  load(cookieHeader: string | null | undefined): Session {
    return new Session(this.#codec.load(cookieHeader ?? undefined));
  }

  /**
   * Opens one cookie value.
   *
   * @throws {SessionError} `Unauthentic`, `Expired`, `LifetimeExceeded`...
   */
  open(value: string): Session {
    return new Session(call(() => this.#codec.open(value)));
  }

  /**
   * Seals a session into a cookie value (not a `Set-Cookie` header).
   *
   * @throws {SessionError} `CookieTooLarge`.
   */
  seal(session: Session): string {
    return call(() => this.#codec.seal(session.raw));
  }

  /** The lifecycle: what the response carries for `session` after `outcome`. */
  finish(session: Session, outcome: Outcome): Finished {
    const finished = this.#codec.finish(session.raw, outcome === 'failed' ? undefined : outcome);
    try {
      const error = finished.saveError;
      return {
        setCookies: finished.setCookies,
        varyCookie: finished.varyCookie,
        ...(error === undefined ? {} : { saveError: new SessionError(error, saveErrorMessage(error)) }),
      };
    } finally {
      finished.free();
    }
  }

  /** The `Set-Cookie` values of a successful response (`finish(session, 200)`). */
  save(session: Session): string[] {
    const finished = this.finish(session, 200);
    if (finished.saveError) throw finished.saveError;
    return finished.setCookies;
  }

  /** A `Set-Cookie` value deleting the session cookie. */
  deleteCookieHeader(): string {
    return this.#codec.deleteCookieHeader();
  }
}

function saveErrorMessage(kind: string): string {
  return kind === 'CookieTooLarge' ? 'cookie too large' : kind;
}

/** An opened envelope v1 (FORMAT.md). */
export interface OpenedEnvelope {
  plaintext: Uint8Array;
  keyId: number;
  issuedAt: number;
  compressed: boolean;
}

/**
 * Opens an envelope v1 cookie value bound to `context`, as of `now` (Unix
 * seconds), without a maximum age: FORMAT.md's own operation, for test
 * vectors and other implementations.
 *
 * @throws {SessionError} whose `kind` is the core error (`Unauthentic`...).
 */
export function openEnvelope(
  keyring: string,
  value: string,
  context: Uint8Array,
  now: number,
  maxPlaintextLen?: number,
): OpenedEnvelope {
  const opened = call(() => rawOpenEnvelope(keyring, value, context, now, maxPlaintextLen));
  try {
    return {
      plaintext: opened.plaintext,
      keyId: opened.keyId,
      issuedAt: opened.issuedAt,
      compressed: opened.compressed,
    };
  } finally {
    opened.free();
  }
}

/**
 * Seals `plaintext` with the keyring's primary key and an explicit nonce:
 * **for test vectors only**: two seals with one nonce under one key reveal
 * the XOR of their plaintexts.
 */
export function sealEnvelopeWithNonce(
  keyring: string,
  plaintext: Uint8Array,
  context: Uint8Array,
  issuedAt: number,
  nonce: Uint8Array,
): string {
  return call(() => rawSealEnvelopeWithNonce(keyring, plaintext, context, issuedAt, nonce));
}
