//! Server-side revocation for cookie sessions: logout that holds against a
//! copied cookie, and sign-out-everywhere by subject. REVOCATION.md is the
//! normative description (the Redis key names, values and channel are
//! there, for the Python package and other languages).
//!
//! The per-request check is a local lookup ([`Revocations::check`]): the
//! in-process [`MemoryRevocations`] here, which the Redis backend
//! (`sealed-session-redis`) also uses as its mirror, filled at start and
//! followed through pub/sub. No request waits on the network.
//!
//! An entry lives until the revoked sessions' absolute deadline: after it,
//! the cookies are refused anyway (FORMAT.md §12.1, lifetime exceeded), so
//! the list is bounded by the revocation rate times the absolute timeout.

use core::fmt;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use crate::payload::SessionId;

/// What a revocation check says about a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Not revoked: serve it.
    Valid,
    /// Revoked: treat it as expired (a fresh session and a deletion cookie).
    Revoked(RevokedBy),
    /// The backend cannot vouch for its list any more (Redis unreachable
    /// for longer than its outage window): refuse authenticated sessions
    /// (fail closed), keep anonymous ones.
    Unavailable,
}

/// Why a session is revoked, for the log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevokedBy {
    /// Its id was revoked (a logout).
    Session,
    /// Its subject was signed out everywhere after the session was created.
    Subject,
}

impl fmt::Display for RevokedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Session => "session revoked (logout)",
            Self::Subject => "subject signed out everywhere",
        })
    }
}

/// What a check needs to know of a session: from its metadata (FORMAT.md
/// §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionFacts<'a> {
    /// The session's id, if it has one (bare-JSON sessions have none and
    /// cannot be revoked by id).
    pub id: Option<&'a SessionId>,
    /// The subject the app named at login, if any.
    pub subject: Option<&'a str>,
    /// When the session was created (or last regenerated), Unix seconds.
    pub created_at: u64,
}

/// Why a revocation could not be stored. The cookie should still be
/// deleted; the caller learns that other instances may keep honouring it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationError {
    /// The shared store did not take the entry; what it said. The entry is
    /// in this instance's list regardless.
    Unavailable(String),
    /// A subject longer than [`MAX_SUBJECT_LEN`] bytes, or empty.
    Subject,
    /// The codec has no revocation list
    /// ([`SessionCodecBuilder::revocations`](crate::SessionCodecBuilder::revocations)).
    NotConfigured,
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(why) => {
                write!(
                    f,
                    "the revocation could not be shared with other instances: {why}"
                )
            }
            Self::Subject => write!(f, "a subject is 1 to {MAX_SUBJECT_LEN} bytes"),
            Self::NotConfigured => f.write_str("no revocation list is configured"),
        }
    }
}

impl core::error::Error for RevocationError {}

/// The longest subject, in bytes (it is sealed in every cookie of the
/// session: keep it short, a user id).
pub const MAX_SUBJECT_LEN: usize = 255;

/// A revocation list: checked on every request, written on logout.
///
/// `check` must be a local operation (no I/O); `revoke_*` may reach a
/// shared store and block for a network round trip.
pub trait Revocations: Send + Sync {
    /// Whether the session is revoked at `now` (Unix seconds).
    fn check(&self, session: SessionFacts<'_>, now: u64) -> Verdict;

    /// Revokes one session (logout) until `expires_at` (Unix seconds), its
    /// absolute deadline (`created_at + absolute timeout`).
    ///
    /// # Errors
    /// [`RevocationError::Unavailable`] when a shared store did not take it.
    fn revoke_session(&self, id: &SessionId, expires_at: u64) -> Result<(), RevocationError>;

    /// Revokes every session of `subject` created before `before` (Unix
    /// seconds, usually now), until `expires_at` (`before + absolute
    /// timeout`: no such session lives longer).
    ///
    /// # Errors
    /// [`RevocationError::Subject`] for an empty or too long subject;
    /// [`RevocationError::Unavailable`] when a shared store did not take it.
    fn revoke_subject(
        &self,
        subject: &str,
        before: u64,
        expires_at: u64,
    ) -> Result<(), RevocationError>;
}

/// A subject revocation: sessions created before `before` are revoked,
/// until `expires_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubjectEntry {
    /// Sessions created strictly before this time (Unix seconds) are
    /// revoked.
    pub before: u64,
    /// When the entry lapses (Unix seconds).
    pub expires_at: u64,
}

/// The entries of a [`MemoryRevocations`] in force at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Snapshot {
    /// Revoked session ids and their deadlines.
    pub sessions: Vec<(SessionId, u64)>,
    /// Revoked subjects.
    pub subjects: Vec<(String, SubjectEntry)>,
}

#[derive(Debug, Default)]
struct Lists {
    sessions: HashMap<[u8; SessionId::LEN], u64>,
    subjects: HashMap<Box<str>, SubjectEntry>,
    /// When expired entries are next swept out.
    next_sweep: u64,
}

/// How often (seconds) writes sweep out expired entries.
const SWEEP_EVERY: u64 = 60;

/// The in-process revocation list: for one instance, and the mirror of the
/// Redis backend. A check takes a shared read lock and does one or two
/// hash lookups; entries past their deadline are ignored at once and swept
/// out by later writes.
#[derive(Debug, Default)]
pub struct MemoryRevocations {
    lists: RwLock<Lists>,
}

impl MemoryRevocations {
    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a session entry (or extends it to the later deadline).
    pub fn insert_session(&self, id: &SessionId, expires_at: u64, now: u64) {
        let mut lists = self.write(now);
        let slot = lists.sessions.entry(*id.as_bytes()).or_insert(expires_at);
        *slot = (*slot).max(expires_at);
    }

    /// Adds a subject entry (or merges it: the later `before`, the later
    /// deadline).
    pub fn insert_subject(&self, subject: &str, entry: SubjectEntry, now: u64) {
        let mut lists = self.write(now);
        let slot = lists.subjects.entry(subject.into()).or_insert(entry);
        slot.before = slot.before.max(entry.before);
        slot.expires_at = slot.expires_at.max(entry.expires_at);
    }

    /// Every entry still in force at `now`: sessions (id bytes, deadline)
    /// and subjects. For a backend's write-back and resynchronisation.
    #[must_use]
    pub fn snapshot(&self, now: u64) -> Snapshot {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        let sessions = lists
            .sessions
            .iter()
            .filter(|(_, expires_at)| **expires_at > now)
            .map(|(id, expires_at)| (SessionId::from_bytes(*id), *expires_at))
            .collect();
        let subjects = lists
            .subjects
            .iter()
            .filter(|(_, entry)| entry.expires_at > now)
            .map(|(subject, entry)| (subject.to_string(), *entry))
            .collect();
        Snapshot { sessions, subjects }
    }

    /// How many entries are held (expired ones not yet swept included).
    #[must_use]
    pub fn len(&self) -> usize {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        lists.sessions.len() + lists.subjects.len()
    }

    /// Whether no entry is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes the entries past their deadline.
    pub fn sweep(&self, now: u64) {
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        sweep(&mut lists, now);
    }

    /// The write lock, sweeping first when a sweep is due.
    fn write(&self, now: u64) -> std::sync::RwLockWriteGuard<'_, Lists> {
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        if now >= lists.next_sweep {
            sweep(&mut lists, now);
        }
        lists
    }
}

fn sweep(lists: &mut Lists, now: u64) {
    lists.sessions.retain(|_, expires_at| *expires_at > now);
    lists.subjects.retain(|_, entry| entry.expires_at > now);
    lists.next_sweep = now.saturating_add(SWEEP_EVERY);
}

/// Checks `subject`'s length.
///
/// # Errors
/// [`RevocationError::Subject`] for an empty subject or one over
/// [`MAX_SUBJECT_LEN`] bytes.
pub fn check_subject(subject: &str) -> Result<(), RevocationError> {
    if subject.is_empty() || subject.len() > MAX_SUBJECT_LEN {
        return Err(RevocationError::Subject);
    }
    Ok(())
}

impl Revocations for MemoryRevocations {
    fn check(&self, session: SessionFacts<'_>, now: u64) -> Verdict {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = session.id
            && lists
                .sessions
                .get(id.as_bytes())
                .is_some_and(|expires_at| *expires_at > now)
        {
            return Verdict::Revoked(RevokedBy::Session);
        }
        if let Some(subject) = session.subject
            && lists
                .subjects
                .get(subject)
                .is_some_and(|entry| entry.expires_at > now && session.created_at < entry.before)
        {
            return Verdict::Revoked(RevokedBy::Subject);
        }
        Verdict::Valid
    }

    fn revoke_session(&self, id: &SessionId, expires_at: u64) -> Result<(), RevocationError> {
        self.insert_session(id, expires_at, now());
        Ok(())
    }

    fn revoke_subject(
        &self,
        subject: &str,
        before: u64,
        expires_at: u64,
    ) -> Result<(), RevocationError> {
        check_subject(subject)?;
        self.insert_subject(subject, SubjectEntry { before, expires_at }, now());
        Ok(())
    }
}

/// The system clock in Unix seconds (0 before 1970).
fn now() -> u64 {
    crate::time::Clock::now(&crate::time::SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> SessionId {
        SessionId::from_bytes([byte; 16])
    }

    fn facts<'a>(
        id: Option<&'a SessionId>,
        subject: Option<&'a str>,
        created_at: u64,
    ) -> SessionFacts<'a> {
        SessionFacts {
            id,
            subject,
            created_at,
        }
    }

    /// A logout revokes exactly that session, until its deadline.
    #[test]
    fn a_revoked_id_is_refused_until_its_deadline() {
        let list = MemoryRevocations::new();
        let (a, b) = (id(1), id(2));
        list.insert_session(&a, 2000, 1000);
        assert_eq!(
            list.check(facts(Some(&a), None, 900), 1000),
            Verdict::Revoked(RevokedBy::Session)
        );
        assert_eq!(
            list.check(facts(Some(&a), None, 900), 1999),
            Verdict::Revoked(RevokedBy::Session)
        );
        // At the deadline the cookie is past its absolute timeout anyway.
        assert_eq!(list.check(facts(Some(&a), None, 900), 2000), Verdict::Valid);
        assert_eq!(list.check(facts(Some(&b), None, 900), 1000), Verdict::Valid);
        assert_eq!(list.check(facts(None, None, 900), 1000), Verdict::Valid);
        // A later write sweeps the expired entry out.
        list.insert_session(&b, 5000, 2000);
        assert_eq!(list.len(), 1);
    }

    /// Sign-out-everywhere revokes the subject's sessions created before
    /// it, not the ones created after (a login that follows), nor other
    /// subjects'.
    #[test]
    fn a_revoked_subject_refuses_only_older_sessions() {
        let list = MemoryRevocations::new();
        list.revoke_subject("user-42", 1000, 1000 + 86_400).unwrap();
        let s = id(3);
        assert_eq!(
            list.check(facts(Some(&s), Some("user-42"), 999), 1001),
            Verdict::Revoked(RevokedBy::Subject)
        );
        assert_eq!(
            list.check(facts(Some(&s), Some("user-42"), 1000), 1001),
            Verdict::Valid
        );
        assert_eq!(
            list.check(facts(Some(&s), Some("user-43"), 999), 1001),
            Verdict::Valid
        );
        assert_eq!(list.check(facts(Some(&s), None, 999), 1001), Verdict::Valid);
        // A second sign-out moves `before` forward, never back.
        list.insert_subject(
            "user-42",
            SubjectEntry {
                before: 500,
                expires_at: 500 + 86_400,
            },
            1002,
        );
        assert_eq!(
            list.check(facts(Some(&s), Some("user-42"), 999), 1003),
            Verdict::Revoked(RevokedBy::Subject)
        );
        assert_eq!(list.revoke_subject("", 1, 2), Err(RevocationError::Subject));
        assert_eq!(
            list.revoke_subject(&"x".repeat(256), 1, 2),
            Err(RevocationError::Subject)
        );
    }

    #[test]
    fn snapshot_holds_what_is_in_force() {
        let list = MemoryRevocations::new();
        list.insert_session(&id(1), 2000, 1000);
        list.insert_session(&id(2), 1500, 1000);
        list.insert_subject(
            "u",
            SubjectEntry {
                before: 1000,
                expires_at: 3000,
            },
            1000,
        );
        let Snapshot { sessions, subjects } = list.snapshot(1600);
        assert_eq!(sessions, [(id(1), 2000)]);
        assert_eq!(
            subjects,
            [(
                "u".to_owned(),
                SubjectEntry {
                    before: 1000,
                    expires_at: 3000
                }
            )]
        );
    }
}
