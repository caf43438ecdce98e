//! Revocation for `sealed-session` cookies across a fleet, over Redis.
//!
//! [`RedisRevocations`] implements [`Revocations`]: a logout or a
//! sign-out-everywhere is written to Redis (with `PEXPIREAT` at the
//! sessions' absolute deadline) and published on a channel; every instance
//! holds the whole list in memory ([`MemoryRevocations`]), loads it at
//! start and follows the channel, so the check on each request is a local
//! lookup with no network round trip. REVOCATION.md (at the repository's
//! root) specifies the key names, values and channel, for other languages.
//!
//! # Faults
//! - Until the first load from Redis, and after Redis has been unreachable
//!   for longer than [`RedisOptions::outage_window`], [`Revocations::check`]
//!   answers [`Verdict::Unavailable`]: the session layer then refuses
//!   authenticated sessions (fail closed). Inside the window the mirror
//!   keeps serving. [`RedisRevocations::health`] says which, for a
//!   readiness probe; each change is logged once.
//! - On reconnect the follower subscribes first, then reloads every entry
//!   (nothing published in between is lost), then writes back and
//!   publishes every entry of its mirror that Redis lacks: a Redis
//!   restarted without persistence relearns the revocations from the
//!   instances, and an instance that reconnected earlier hears of a
//!   revocation another took while Redis was down.
//! - A revoke that Redis does not take returns
//!   [`RevocationError::Unavailable`]; the entry is in this instance's
//!   mirror at once regardless, and is written back on reconnect.
//!
//! # Why pub/sub
//! Keyspace notifications need `notify-keyspace-events` set on the server
//! (often not allowed on managed Redis) and carry only the key name, so
//! each event would cost a `GET`. RESP3 client-side caching invalidates
//! keys a client has read, which suits caching reads, not discovering new
//! keys. A published message carries the whole entry; pub/sub delivers at
//! most once, and the reload on every reconnect covers what a broken
//! connection missed.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::collections::HashMap;
extern crate alloc;

use alloc::sync::Arc;
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use base64ct::{Base64UrlUnpadded, Encoding};
use sealed_session::revocation::{
    MemoryRevocations, RevocationError, Revocations, SessionFacts, Snapshot, SubjectEntry, Verdict,
    check_subject,
};
use sealed_session::{Clock, SessionId, SystemClock};

/// Settings of [`RedisRevocations`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisOptions {
    /// The key prefix and channel stem (REVOCATION.md): letters, digits,
    /// `-`, `_` and `.`, 1 to 64 of them. `sealed-session` by default.
    pub prefix: String,
    /// How long the mirror keeps serving while Redis is unreachable; after
    /// it, checks fail closed. 30 s by default.
    pub outage_window: Duration,
    /// The bound on connecting and on each command. 1 s by default.
    pub io_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: "sealed-session".to_owned(),
            outage_window: Duration::from_secs(30),
            io_timeout: Duration::from_secs(1),
        }
    }
}

impl RedisOptions {
    /// The defaults.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`RedisOptions::prefix`].
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets [`RedisOptions::outage_window`].
    #[must_use]
    pub const fn outage_window(mut self, window: Duration) -> Self {
        self.outage_window = window;
        self
    }

    /// Sets [`RedisOptions::io_timeout`].
    #[must_use]
    pub const fn io_timeout(mut self, timeout: Duration) -> Self {
        self.io_timeout = timeout;
        self
    }
}

/// Why [`RedisRevocations::connect`] refused to start.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The URL does not parse as a Redis URL.
    Url(String),
    /// The prefix is not 1 to 64 of `A-Z a-z 0-9 - _ .`.
    Prefix,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(why) => write!(f, "not a Redis URL: {why}"),
            Self::Prefix => f.write_str("the prefix must be 1 to 64 of A-Z a-z 0-9 - _ ."),
        }
    }
}

impl core::error::Error for ConfigError {}

/// The state of the link to Redis, for a health or readiness check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Health {
    /// The list has been loaded from Redis at least once.
    pub synced: bool,
    /// The follower is connected and subscribed now.
    pub connected: bool,
    /// How long Redis has been unreachable (since the start when it never
    /// was reached).
    pub down_for: Option<Duration>,
    /// Checks answer [`Verdict::Unavailable`]: not yet loaded, or down for
    /// longer than the outage window.
    pub failing_closed: bool,
}

struct Inner {
    mirror: MemoryRevocations,
    client: redis::Client,
    options: RedisOptions,
    /// The connection revokes write on (taken lazily, dropped on error).
    writer: Mutex<Option<redis::Connection>>,
    /// The base of the millisecond clock below.
    epoch: Instant,
    /// Milliseconds since `epoch` + 1 when Redis went down; 0 while up.
    down_since: AtomicU64,
    synced: AtomicBool,
    stop: AtomicBool,
    /// Fail-closed has been logged for the current outage.
    closed_logged: AtomicBool,
}

/// A revocation list shared through Redis and mirrored in memory. Clones
/// share one mirror and one follower thread, which stops with the last
/// clone.
#[derive(Clone)]
pub struct RedisRevocations {
    inner: Arc<Inner>,
    _follower: Arc<Follower>,
}

impl fmt::Debug for RedisRevocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocations")
            .field("prefix", &self.inner.options.prefix)
            .field("health", &self.health())
            .finish_non_exhaustive()
    }
}

struct Follower {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl RedisRevocations {
    /// Starts following the Redis at `url` (`redis://127.0.0.1:6379/0`).
    /// Returns at once: checks answer [`Verdict::Unavailable`] until the
    /// first load (see [`RedisRevocations::wait_synced`]).
    ///
    /// # Errors
    /// [`ConfigError`] for a bad URL or prefix (never for an unreachable
    /// Redis: that is an outage, retried).
    pub fn connect(url: &str, options: RedisOptions) -> Result<Self, ConfigError> {
        let prefix_ok = (1..=64).contains(&options.prefix.len())
            && options
                .prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !prefix_ok {
            return Err(ConfigError::Prefix);
        }
        let client =
            redis::Client::open(url).map_err(|error| ConfigError::Url(error.to_string()))?;
        let inner = Arc::new(Inner {
            mirror: MemoryRevocations::new(),
            client,
            options,
            writer: Mutex::new(None),
            epoch: Instant::now(),
            down_since: AtomicU64::new(1),
            synced: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            closed_logged: AtomicBool::new(false),
        });
        let follower_inner = Arc::clone(&inner);
        let thread = std::thread::Builder::new()
            .name("sealed-session-redis".to_owned())
            .spawn(move || follow(&follower_inner))
            .map_err(|error| ConfigError::Url(format!("cannot start the follower: {error}")))?;
        Ok(Self {
            _follower: Arc::new(Follower {
                inner: Arc::clone(&inner),
                thread: Some(thread),
            }),
            inner,
        })
    }

    /// Waits up to `timeout` for the first load from Redis; returns whether
    /// it happened.
    #[must_use]
    pub fn wait_synced(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.inner.synced.load(Ordering::Acquire) {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// The link's state, for a health or readiness check.
    #[must_use]
    pub fn health(&self) -> Health {
        let synced = self.inner.synced.load(Ordering::Acquire);
        let down_for = self.inner.down_for();
        Health {
            synced,
            connected: down_for.is_none(),
            down_for,
            failing_closed: self.inner.failing_closed(),
        }
    }

    /// The mirror (for measurements and tests).
    #[must_use]
    pub fn mirror(&self) -> &MemoryRevocations {
        &self.inner.mirror
    }

    /// The key a session id is stored under (REVOCATION.md).
    #[must_use]
    pub fn session_key(&self, id: &SessionId) -> String {
        session_key(&self.inner.options.prefix, id)
    }

    /// The key a subject is stored under (REVOCATION.md).
    #[must_use]
    pub fn subject_key(&self, subject: &str) -> String {
        subject_key(&self.inner.options.prefix, subject)
    }
}

impl Inner {
    fn millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn down_for(&self) -> Option<Duration> {
        match self.down_since.load(Ordering::Acquire) {
            0 => None,
            since => Some(Duration::from_millis(
                self.millis().saturating_sub(since - 1),
            )),
        }
    }

    fn failing_closed(&self) -> bool {
        !self.synced.load(Ordering::Acquire)
            || self
                .down_for()
                .is_some_and(|down| down > self.options.outage_window)
    }

    fn mark_down(&self, why: &redis::RedisError) {
        let now = self.millis() + 1;
        if self
            .down_since
            .compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            log::warn!(
                target: "sealed_session::revocation",
                "Redis unreachable ({why}); serving revocations from memory for up to {:?}, \
                 then refusing authenticated sessions",
                self.options.outage_window
            );
        }
    }

    fn mark_up(&self) {
        self.synced.store(true, Ordering::Release);
        if self.down_since.swap(0, Ordering::AcqRel) != 0 {
            self.closed_logged.store(false, Ordering::Relaxed);
            log::info!(target: "sealed_session::revocation", "Redis reachable; revocations resynchronised");
        }
    }

    fn channel(&self) -> String {
        format!("{}:revocations", self.options.prefix)
    }

    /// Writes an entry (value and deadline) and publishes it, atomically.
    fn store(
        &self,
        key: &str,
        value: &str,
        expires_at: u64,
        message: &str,
    ) -> redis::RedisResult<()> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if writer.is_none() {
            let connection = self
                .client
                .get_connection_with_timeout(self.options.io_timeout)?;
            connection.set_read_timeout(Some(self.options.io_timeout))?;
            connection.set_write_timeout(Some(self.options.io_timeout))?;
            *writer = Some(connection);
        }
        let Some(connection) = writer.as_mut() else {
            return Ok(());
        };
        let result = redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(key)
            .arg(value)
            .ignore()
            .cmd("PEXPIREAT")
            .arg(key)
            .arg(expires_at.saturating_mul(1000))
            .ignore()
            .cmd("PUBLISH")
            .arg(self.channel())
            .arg(message)
            .ignore()
            .query::<()>(connection);
        if result.is_err() {
            *writer = None;
        }
        result
    }
}

/// `<prefix>:s:<id as base64url>`.
fn session_key(prefix: &str, id: &SessionId) -> String {
    format!("{prefix}:s:{id}")
}

/// `<prefix>:u:<subject's UTF-8 as base64url>`.
fn subject_key(prefix: &str, subject: &str) -> String {
    format!(
        "{prefix}:u:{}",
        Base64UrlUnpadded::encode_string(subject.as_bytes())
    )
}

fn now() -> u64 {
    SystemClock.now()
}

impl Revocations for RedisRevocations {
    fn check(&self, session: SessionFacts<'_>, now: u64) -> Verdict {
        // Up and synced: one atomic load each, then the local lookup.
        if self.inner.failing_closed() {
            if !self.inner.closed_logged.swap(true, Ordering::Relaxed) {
                log::error!(
                    target: "sealed_session::revocation",
                    "revocation list unavailable (Redis down longer than {:?}, or never \
                     loaded): refusing authenticated sessions",
                    self.inner.options.outage_window
                );
            }
            return Verdict::Unavailable;
        }
        self.inner.mirror.check(session, now)
    }

    fn revoke_session(&self, id: &SessionId, expires_at: u64) -> Result<(), RevocationError> {
        self.inner.mirror.insert_session(id, expires_at, now());
        let value = expires_at.to_string();
        let message = format!("s {id} {expires_at}");
        self.inner
            .store(&self.session_key(id), &value, expires_at, &message)
            .map_err(|error| RevocationError::Unavailable(error.to_string()))
    }

    fn revoke_subject(
        &self,
        subject: &str,
        before: u64,
        expires_at: u64,
    ) -> Result<(), RevocationError> {
        check_subject(subject)?;
        self.inner
            .mirror
            .insert_subject(subject, SubjectEntry { before, expires_at }, now());
        let encoded = Base64UrlUnpadded::encode_string(subject.as_bytes());
        let value = format!("{before} {expires_at}");
        let message = format!("u {encoded} {before} {expires_at}");
        self.inner
            .store(&self.subject_key(subject), &value, expires_at, &message)
            .map_err(|error| RevocationError::Unavailable(error.to_string()))
    }
}

/// An entry as a message or a key and value carry it.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Session(SessionId, u64),
    Subject(String, SubjectEntry),
}

impl Entry {
    fn apply(self, mirror: &MemoryRevocations, now: u64) {
        match self {
            Self::Session(id, expires_at) => mirror.insert_session(&id, expires_at, now),
            Self::Subject(subject, entry) => mirror.insert_subject(&subject, entry, now),
        }
    }
}

fn decode_id(text: &str) -> Option<SessionId> {
    let mut bytes = [0u8; SessionId::LEN];
    let decoded = Base64UrlUnpadded::decode(text, &mut bytes).ok()?;
    (decoded.len() == SessionId::LEN).then(|| SessionId::from_bytes(bytes))
}

fn decode_subject(text: &str) -> Option<String> {
    let bytes = Base64UrlUnpadded::decode_vec(text).ok()?;
    let subject = String::from_utf8(bytes).ok()?;
    check_subject(&subject).ok()?;
    Some(subject)
}

/// Parses a published message: `s <id> <expires_at>` or
/// `u <subject> <before> <expires_at>`.
fn parse_message(text: &str) -> Option<Entry> {
    let mut fields = text.split(' ');
    let entry = match (fields.next()?, fields.next()?) {
        ("s", id) => Entry::Session(decode_id(id)?, fields.next()?.parse().ok()?),
        ("u", subject) => Entry::Subject(
            decode_subject(subject)?,
            SubjectEntry {
                before: fields.next()?.parse().ok()?,
                expires_at: fields.next()?.parse().ok()?,
            },
        ),
        _ => return None,
    };
    fields.next().is_none().then_some(entry)
}

/// Parses a stored key and value.
fn parse_stored(prefix: &str, key: &str, value: &str) -> Option<Entry> {
    let rest = key.strip_prefix(prefix)?.strip_prefix(':')?;
    if let Some(id) = rest.strip_prefix("s:") {
        return Some(Entry::Session(decode_id(id)?, value.parse().ok()?));
    }
    let subject = decode_subject(rest.strip_prefix("u:")?)?;
    let (before, expires_at) = value.split_once(' ')?;
    Some(Entry::Subject(
        subject,
        SubjectEntry {
            before: before.parse().ok()?,
            expires_at: expires_at.parse().ok()?,
        },
    ))
}

/// The follower thread: connect, subscribe, reload, write back, follow;
/// on any error mark the outage and start over after a pause.
fn follow(inner: &Inner) {
    let mut pause = Duration::from_millis(50);
    while !inner.stop.load(Ordering::Relaxed) {
        match follow_once(inner) {
            Ok(()) => return,
            Err(error) => {
                inner.mark_down(&error);
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(500));
            }
        }
    }
}

fn follow_once(inner: &Inner) -> redis::RedisResult<()> {
    let timeout = inner.options.io_timeout;
    let mut subscriber = inner.client.get_connection_with_timeout(timeout)?;
    let mut commands = inner.client.get_connection_with_timeout(timeout)?;
    commands.set_read_timeout(Some(timeout))?;
    commands.set_write_timeout(Some(timeout))?;
    let mut pubsub = subscriber.as_pubsub();
    pubsub.subscribe(inner.channel())?;
    // Subscribed first: whatever is published from here on arrives, and
    // the reload below sees everything stored before.
    resync(inner, &mut commands)?;
    inner.mark_up();
    pubsub.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut last_ping = Instant::now();
    loop {
        if inner.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        match pubsub.get_message() {
            Ok(message) => {
                let payload = message.get_payload_bytes();
                match core::str::from_utf8(payload).ok().and_then(parse_message) {
                    Some(entry) => entry.apply(&inner.mirror, now()),
                    None => log::warn!(
                        target: "sealed_session::revocation",
                        "ignoring a malformed message on {}",
                        inner.channel()
                    ),
                }
            }
            Err(error) if error.is_timeout() => {}
            Err(error) => return Err(error),
        }
        // A silent network (no reset) shows as an unanswered PING.
        if last_ping.elapsed() >= timeout {
            redis::cmd("PING").query::<String>(&mut commands)?;
            last_ping = Instant::now();
        }
    }
}

/// Loads every entry from Redis into the mirror, then writes back the
/// mirror's entries that Redis lacks (after a restart without persistence).
fn resync(inner: &Inner, connection: &mut redis::Connection) -> redis::RedisResult<()> {
    let prefix = &inner.options.prefix;
    let pattern = format!("{prefix}:[su]:*");
    let mut cursor: u64 = 0;
    // What Redis holds, key by key, as stored: an entry is written back when
    // Redis lacks it or holds an older one (the mirror keeps the newer of
    // the two, so a different value here is a newer one).
    let mut stored: HashMap<String, String> = HashMap::new();
    let (mut loaded, mut written) = (0usize, 0usize);
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query(connection)?;
        if !keys.is_empty() {
            let values: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query(connection)?;
            for (key, value) in keys.into_iter().zip(values) {
                let Some(value) = value else { continue };
                if let Some(entry) = parse_stored(prefix, &key, &value) {
                    entry.apply(&inner.mirror, now());
                    loaded += 1;
                }
                stored.insert(key, value);
            }
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let Snapshot {
        sessions, subjects, ..
    } = inner.mirror.snapshot(now());
    // Written back and published: the other instances may have reloaded
    // already, and follow only the channel from then on.
    let channel = inner.channel();
    let mut pipe = redis::pipe();
    for (id, expires_at) in sessions {
        let key = session_key(prefix, &id);
        let value = expires_at.to_string();
        if stored.get(&key) != Some(&value) {
            pipe.cmd("SET").arg(&key).arg(value).ignore();
            pipe.cmd("PEXPIREAT")
                .arg(&key)
                .arg(expires_at.saturating_mul(1000))
                .ignore();
            pipe.cmd("PUBLISH")
                .arg(&channel)
                .arg(format!("s {id} {expires_at}"))
                .ignore();
            written += 1;
        }
    }
    for (subject, entry) in subjects {
        let key = subject_key(prefix, &subject);
        let value = format!("{} {}", entry.before, entry.expires_at);
        if stored.get(&key) != Some(&value) {
            // Another instance may have written back first, from an older
            // mirror (a sign-out-everywhere taken here during the outage
            // is newer): overwrite, and publish so that it learns it.
            pipe.cmd("SET").arg(&key).arg(value).ignore();
            pipe.cmd("PEXPIREAT")
                .arg(&key)
                .arg(entry.expires_at.saturating_mul(1000))
                .ignore();
            let encoded = Base64UrlUnpadded::encode_string(subject.as_bytes());
            pipe.cmd("PUBLISH")
                .arg(&channel)
                .arg(format!("u {encoded} {} {}", entry.before, entry.expires_at))
                .ignore();
            written += 1;
        }
    }
    if written > 0 {
        pipe.query::<()>(connection)?;
    }
    log::info!(
        target: "sealed_session::revocation",
        "revocations loaded from Redis: {loaded}; written back: {written}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_stored_entries_parse_as_specified() {
        let id = SessionId::from_bytes([0xfb; 16]);
        let text = format!("s {id} 1796659200");
        assert_eq!(id.to_string(), "-_v7-_v7-_v7-_v7-_v7-w");
        assert_eq!(
            parse_message(&text),
            Some(Entry::Session(id, 1_796_659_200))
        );
        // "user-42" in base64url.
        assert_eq!(
            parse_message("u dXNlci00Mg 1796659200 1796745600"),
            Some(Entry::Subject(
                "user-42".to_owned(),
                SubjectEntry {
                    before: 1_796_659_200,
                    expires_at: 1_796_745_600
                }
            ))
        );
        assert_eq!(
            parse_stored("p", "p:u:dXNlci00Mg", "1 2"),
            Some(Entry::Subject(
                "user-42".to_owned(),
                SubjectEntry {
                    before: 1,
                    expires_at: 2
                }
            ))
        );
        assert_eq!(
            parse_stored("p", &format!("p:s:{id}"), "7"),
            Some(Entry::Session(id, 7))
        );
        for bad in [
            "",
            "s",
            "s -_v7 1",
            "s -_v7-_v7-_v7-_v7-_v7-w",
            "s -_v7-_v7-_v7-_v7-_v7-w 1 2",
            "u dXNlci00Mg 1",
            "u  1 2",
            "x a 1",
            "s -_v7-_v7-_v7-_v7-_v7-w -1",
        ] {
            assert_eq!(parse_message(bad), None, "{bad}");
        }
        assert_eq!(parse_stored("p", "q:s:x", "1"), None);
        assert_eq!(parse_stored("p", "p:u:dXNlci00Mg", "12"), None);
    }

    #[test]
    fn keys_are_as_specified() {
        let id = SessionId::from_bytes([0xfb; 16]);
        assert_eq!(
            session_key("sealed-session", &id),
            "sealed-session:s:-_v7-_v7-_v7-_v7-_v7-w"
        );
        assert_eq!(
            subject_key("sealed-session", "user-42"),
            "sealed-session:u:dXNlci00Mg"
        );
    }

    #[test]
    fn bad_prefixes_and_urls_are_refused() {
        for prefix in ["", "a b", "a:b", "a*", &"x".repeat(65)] {
            assert_eq!(
                RedisRevocations::connect(
                    "redis://127.0.0.1:1/",
                    RedisOptions::new().prefix(prefix)
                )
                .unwrap_err(),
                ConfigError::Prefix
            );
        }
        assert!(matches!(
            RedisRevocations::connect("http://x", RedisOptions::new()).unwrap_err(),
            ConfigError::Url(_)
        ));
    }

    /// Never loaded: every check fails closed, and the health says so.
    #[test]
    fn an_unreachable_redis_fails_closed_from_the_start() {
        // Port 1 on loopback: nothing listens there.
        let list = RedisRevocations::connect(
            "redis://127.0.0.1:1/",
            RedisOptions::new().io_timeout(Duration::from_millis(100)),
        )
        .unwrap();
        let facts = SessionFacts {
            id: None,
            subject: Some("u"),
            created_at: 0,
        };
        assert_eq!(list.check(facts, 1), Verdict::Unavailable);
        let health = list.health();
        assert!(!health.synced && !health.connected && health.failing_closed);
        // A revoke is refused, and kept locally.
        let id = SessionId::from_bytes([1; 16]);
        assert!(matches!(
            list.revoke_session(&id, u64::MAX),
            Err(RevocationError::Unavailable(_))
        ));
        assert_eq!(list.mirror().len(), 1);
    }
}
