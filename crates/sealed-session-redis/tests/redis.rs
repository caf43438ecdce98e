//! Against a real redis-server (Debian's), one per test on a free loopback
//! port with a temporary directory and no persistence. `#[ignore]`d in a
//! plain `cargo test` (Redis need not be installed); `cargo xtask ci`
//! installs redis-server and runs them with `--ignored`.

// Test helpers outside `#[test]` functions unwrap too: a failure there is a
// test failure, and its message points at the line.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Key files are written with Unix permissions (mode 0600).
#![cfg(unix)]

extern crate alloc;

use alloc::sync::Arc;

use core::time::Duration;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use sealed_session::revocation::{RevokedBy, SessionFacts};
use sealed_session::{Clock, Revocations, SessionId, SystemClock, Verdict};
use sealed_session_redis::{RedisOptions, RedisRevocations};

/// A redis-server child process, killed on drop.
struct Server {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Server {
    fn start(name: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!(
            "sealed-session-redis-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        server.restart();
        server
    }

    /// Starts (again) on the same port, empty: no persistence.
    fn restart(&mut self) {
        let child = Command::new(redis_server())
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (install it, or run `cargo xtask ci`)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.ping() {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn client(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection_with_timeout(Duration::from_secs(2))
            .unwrap()
    }

    fn ping(&self) -> bool {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection_with_timeout(Duration::from_millis(200))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn redis_server() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned())
}

/// Waits (bounded) until `done` holds; a bound so a failure cannot hang.
fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn instance(server: &Server, window: Duration) -> RedisRevocations {
    let list = RedisRevocations::connect(
        &server.url(),
        RedisOptions::new()
            .outage_window(window)
            .io_timeout(Duration::from_millis(500)),
    )
    .unwrap();
    assert!(list.wait_synced(Duration::from_secs(20)));
    list
}

fn facts<'a>(id: &'a SessionId, subject: Option<&'a str>, created_at: u64) -> SessionFacts<'a> {
    SessionFacts {
        id: Some(id),
        subject,
        created_at,
    }
}

fn now() -> u64 {
    SystemClock.now()
}

/// A logout on one instance is refused by the others; the entry expires
/// at the session's absolute deadline (`PEXPIREAT`, read back with
/// `PEXPIRETIME`), and a new instance loads it at start.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn a_logout_on_one_instance_is_refused_by_the_others() {
    let server = Server::start("logout");
    let window = Duration::from_secs(30);
    let (a, b) = (instance(&server, window), instance(&server, window));
    let id = SessionId::from_bytes([7; 16]);
    let other = SessionId::from_bytes([8; 16]);
    let t = now();
    let deadline = t + 3600;
    assert_eq!(b.check(facts(&id, None, t), t), Verdict::Valid);
    a.revoke_session(&id, deadline).unwrap();
    assert_eq!(
        a.check(facts(&id, None, t), t),
        Verdict::Revoked(RevokedBy::Session)
    );
    assert!(wait_for(
        || b.check(facts(&id, None, t), t) == Verdict::Revoked(RevokedBy::Session)
    ));
    assert_eq!(b.check(facts(&other, None, t), t), Verdict::Valid);

    let mut redis = server.client();
    let key = a.session_key(&id);
    assert_eq!(key, format!("sealed-session:s:{id}"));
    let value: String = redis::cmd("GET").arg(&key).query(&mut redis).unwrap();
    assert_eq!(value, deadline.to_string());
    let expire: i64 = redis::cmd("PEXPIRETIME")
        .arg(&key)
        .query(&mut redis)
        .unwrap();
    assert_eq!(expire, i64::try_from(deadline * 1000).unwrap());

    let c = instance(&server, window);
    assert_eq!(
        c.check(facts(&id, None, t), t),
        Verdict::Revoked(RevokedBy::Session)
    );
}

/// Sign-out-everywhere by subject reaches every instance and spares the
/// sessions created after it.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn sign_out_everywhere_reaches_every_instance() {
    let server = Server::start("subject");
    let window = Duration::from_secs(30);
    let fleet: Vec<_> = (0..3).map(|_| instance(&server, window)).collect();
    let t = now();
    let id = SessionId::from_bytes([9; 16]);
    fleet[0].revoke_subject("user-42", t, t + 86_400).unwrap();
    for instance in &fleet {
        assert!(wait_for(|| instance
            .check(facts(&id, Some("user-42"), t - 1), t)
            == Verdict::Revoked(RevokedBy::Subject)));
        assert_eq!(
            instance.check(facts(&id, Some("user-42"), t), t),
            Verdict::Valid
        );
        assert_eq!(
            instance.check(facts(&id, Some("user-43"), t - 1), t),
            Verdict::Valid
        );
    }
    let mut redis = server.client();
    let value: String = redis::cmd("GET")
        .arg("sealed-session:u:dXNlci00Mg")
        .query(&mut redis)
        .unwrap();
    assert_eq!(value, format!("{t} {}", t + 86_400));
}

/// Redis killed: the mirror serves inside the window, then checks fail
/// closed and the health says so; a revoke meanwhile returns an error but
/// holds locally. Redis restarted empty: every instance resynchronises and
/// writes its mirror back, so nothing is forgotten, and the revoke made
/// during the outage reaches the other instance.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn an_outage_serves_then_fails_closed_then_recovers_without_forgetting() {
    let mut server = Server::start("outage");
    let window = Duration::from_secs(2);
    let (a, b) = (instance(&server, window), instance(&server, window));
    let t = now();
    let before = SessionId::from_bytes([1; 16]);
    let during = SessionId::from_bytes([2; 16]);
    let fine = SessionId::from_bytes([3; 16]);
    a.revoke_session(&before, t + 3600).unwrap();
    assert!(wait_for(
        || b.check(facts(&before, None, t), t) != Verdict::Valid
    ));

    server.kill();
    assert!(wait_for(|| !b.health().connected));
    // Inside the window: served from memory.
    let health = b.health();
    assert!(health.synced && !health.failing_closed, "{health:?}");
    assert_eq!(b.check(facts(&fine, None, t), t), Verdict::Valid);
    assert_eq!(
        b.check(facts(&before, None, t), t),
        Verdict::Revoked(RevokedBy::Session)
    );
    // A revoke during the outage: an error to the caller, kept locally.
    assert!(a.revoke_session(&during, t + 3600).is_err());
    assert_eq!(
        a.check(facts(&during, None, t), t),
        Verdict::Revoked(RevokedBy::Session)
    );
    // Past the window: fail closed.
    assert!(wait_for(|| b.health().failing_closed));
    assert_eq!(b.check(facts(&fine, None, t), t), Verdict::Unavailable);

    server.restart();
    assert!(wait_for(
        || !b.health().failing_closed && !a.health().failing_closed
    ));
    assert_eq!(b.check(facts(&fine, None, t), t), Verdict::Valid);
    // Written back by the instances: Redis knows both again...
    let mut redis = server.client();
    assert!(wait_for(|| {
        let keys: Vec<Option<String>> = redis::cmd("MGET")
            .arg(a.session_key(&before))
            .arg(a.session_key(&during))
            .query(&mut redis)
            .unwrap();
        keys.iter().all(Option::is_some)
    }));
    // ...and a new instance learns the revoke made during the outage.
    let c = instance(&server, window);
    assert_eq!(
        c.check(facts(&during, None, t), t),
        Verdict::Revoked(RevokedBy::Session)
    );
    assert_eq!(
        c.check(facts(&before, None, t), t),
        Verdict::Revoked(RevokedBy::Session)
    );
}

/// A sign-out-everywhere taken during an outage, for a subject Redis
/// already holds an older entry for: the instance that took it writes its
/// newer entry back over whatever another instance wrote back first, and
/// publishes it, so that an instance which reconnected earlier refuses too.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn a_newer_sign_out_everywhere_from_the_outage_wins_over_an_older_write_back() {
    let mut server = Server::start("subject-write-back");
    let window = Duration::from_secs(30);
    let (a, b) = (instance(&server, window), instance(&server, window));
    let t = now();
    let id = SessionId::from_bytes([7; 16]);
    a.revoke_subject("u", t - 100, t + 3600).unwrap();
    assert!(wait_for(
        || b.check(facts(&id, Some("u"), t - 200), t) == Verdict::Revoked(RevokedBy::Subject)
    ));
    // A session created after the first sign-out: valid everywhere.
    assert_eq!(b.check(facts(&id, Some("u"), t - 50), t), Verdict::Valid);

    server.kill();
    assert!(wait_for(|| !a.health().connected));
    // Signed out again during the outage: kept by `a` alone.
    assert!(a.revoke_subject("u", t, t + 3600).is_err());
    server.restart();
    // The older entry, as `b`'s write-back would put it there first (the
    // instances reconnect after a pause, the test's client at once).
    let mut redis = server.client();
    let _: () = redis::cmd("SET")
        .arg(b.subject_key("u"))
        .arg(format!("{} {}", t - 100, t + 3600))
        .query(&mut redis)
        .unwrap();
    assert!(wait_for(
        || b.check(facts(&id, Some("u"), t - 50), t) == Verdict::Revoked(RevokedBy::Subject)
    ));
    let value: String = redis::cmd("GET")
        .arg(b.subject_key("u"))
        .query(&mut redis)
        .unwrap();
    assert_eq!(value, format!("{t} {}", t + 3600));
}

/// Propagation delay over many revocations, loopback: printed, never
/// asserted against a time (only bounded so a lost message fails).
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn propagation_delay_over_many_revocations() {
    let server = Server::start("propagation");
    let window = Duration::from_secs(30);
    let (a, b) = (instance(&server, window), instance(&server, window));
    let t = now();
    let mut delays = Vec::new();
    for i in 0..500u32 {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&i.to_be_bytes());
        let id = SessionId::from_bytes(bytes);
        let start = Instant::now();
        a.revoke_session(&id, t + 3600).unwrap();
        // Polled tightly (the per-request check is what is polled).
        let bound = start + Duration::from_secs(20);
        while b.check(facts(&id, None, t), t) == Verdict::Valid {
            assert!(Instant::now() < bound, "revocation {i} never arrived");
            std::thread::yield_now();
        }
        delays.push(start.elapsed());
    }
    delays.sort();
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q) as usize];
    println!(
        "propagation over {} revocations (revoke on A until B refuses): p50 {:?} p99 {:?} max {:?}",
        delays.len(),
        at(0.5),
        at(0.99),
        delays[delays.len() - 1]
    );
}

/// One instance of the fleet: its own key file, reloaded on change, and a
/// codec over the shared revocation list and the shared test clock.
struct Instance {
    codecs: sealed_session::Reloading<sealed_session::SessionCodec>,
    path: PathBuf,
}

fn write_key_file(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    let temp = path.with_extension("new");
    let _ = std::fs::remove_file(&temp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

fn fleet(
    name: &str,
    keys: &str,
    clock: &Arc<sealed_session::ManualClock>,
    list: Option<&RedisRevocations>,
) -> Vec<Instance> {
    let dir = std::env::temp_dir().join(format!(
        "sealed-session-fleet-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    (0..3)
        .map(|i| {
            let path = dir.join(format!("keys-{i}"));
            write_key_file(&path, keys);
            let clock = Arc::clone(clock);
            let list = list.cloned();
            let codecs = sealed_session::Reloading::watch(
                &path,
                sealed_session::ReloadOptions::new().poll_interval(Duration::from_millis(10)),
                move |keyring| {
                    let mut builder =
                        sealed_session::SessionCodec::builder(keyring).clock(Arc::clone(&clock));
                    if let Some(list) = &list {
                        builder = builder.revocations(Arc::new(list.clone()));
                    }
                    builder.build()
                },
            )
            .unwrap();
            Instance { codecs, path }
        })
        .collect()
}

/// A user of the load generator: the cookie the browser holds and the
/// counter it expects.
struct User {
    cookie: Option<String>,
    n: i64,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    requests: u64,
    /// The cookie was refused (or deleted): the user was logged out.
    refused: u64,
}

/// `rounds` requests per user, each user's requests spread over every
/// instance in turn; each request reads and increments `n`.
fn load(fleet: &[Instance], users: &mut [User], rounds: usize) -> Counts {
    let mut counts = Counts::default();
    for round in 0..rounds {
        for (u, user) in users.iter_mut().enumerate() {
            let codec = fleet[(round + u) % fleet.len()].codecs.current();
            let header = user.cookie.clone().unwrap_or_default();
            let loaded = codec.load([header.as_str()]);
            counts.requests += 1;
            let mut session = loaded.session;
            let n: i64 = session.get("n").unwrap().unwrap_or(0);
            if loaded.rejected.is_some() || (user.cookie.is_some() && n != user.n) {
                counts.refused += 1;
            }
            session.insert("n", n + 1).unwrap();
            user.n = n + 1;
            let finished = codec.finish(&session, sealed_session::Outcome::Status(200));
            for set in &finished.set_cookies {
                let pair = set.split(';').next().unwrap().to_owned();
                user.cookie = (!set.contains("Max-Age=0")).then_some(pair);
            }
        }
    }
    counts
}

fn users(fleet: &[Instance]) -> Vec<User> {
    let mut users: Vec<User> = (0..30).map(|_| User { cookie: None, n: 0 }).collect();
    assert_eq!(load(fleet, &mut users, 3).refused, 0);
    users
}

/// Key rollout over three instances that get the new key file one after
/// the other, with load between each step: with an activation time after
/// the last step, no cookie is refused during or after; the control (the
/// new key made primary at once, as before key times) refuses cookies.
/// The instances share a test clock, so the activation comes exactly
/// after the staggered steps.
/// It needs no Redis, so plain `cargo test` runs it.
#[test]
fn key_rollout_with_and_without_an_activation_time() {
    const K1: &str = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const K2: &str = "2 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHiA";
    let t0 = 1_796_659_200;
    let mut results = Vec::new();
    for (name, new_file) in [
        (
            "with activation",
            format!("{K2} activates=2026-12-07T16:01:40Z\n{K1}\n"),
        ),
        ("control: primary at once", format!("{K2}\n{K1}\n")),
    ] {
        let clock = Arc::new(sealed_session::ManualClock::new(t0));
        let fleet = fleet(
            &name.replace([' ', ':'], "-"),
            &format!("{K1}\n"),
            &clock,
            None,
        );
        let mut users = users(&fleet);
        let mut during = Counts::default();
        for instance in &fleet {
            let before = instance.codecs.status().reloads;
            write_key_file(&instance.path, &new_file);
            assert!(wait_for(|| instance.codecs.status().reloads > before));
            clock.advance(10);
            let counts = load(&fleet, &mut users, 10);
            during.requests += counts.requests;
            during.refused += counts.refused;
        }
        // Past the activation (t0 + 100) and on.
        clock.set(t0 + 100);
        let after = load(&fleet, &mut users, 10);
        println!(
            "rollout, {name}: during {} requests, {} refused; after {} requests, {} refused",
            during.requests, during.refused, after.requests, after.refused
        );
        results.push((during.refused, after.refused));
    }
    assert_eq!(
        results[0],
        (0, 0),
        "with an activation time nothing is refused"
    );
    assert!(
        results[1].0 > 0,
        "the control refuses cookies: {:?}",
        results[1]
    );
}

/// Redis killed under load: requests keep succeeding inside the outage
/// window, then returning sessions are refused, then after the restart all
/// succeed again; the counts of each phase are printed and checked.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn outage_phases_under_load() {
    let mut server = Server::start("phases");
    let list = instance(&server, Duration::from_secs(2));
    let clock = Arc::new(sealed_session::ManualClock::new(now()));
    let keys = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    let fleet = fleet("phases", keys, &clock, Some(&list));
    let mut users = users(&fleet);
    let healthy = load(&fleet, &mut users, 5);
    server.kill();
    assert!(wait_for(|| !list.health().connected));
    let inside = load(&fleet, &mut users, 5);
    assert!(wait_for(|| list.health().failing_closed));
    let closed = load(&fleet, &mut users, 5);
    server.restart();
    assert!(wait_for(|| !list.health().failing_closed));
    // The users logged out by the closed phase start new sessions.
    let mut users = self::users(&fleet);
    let recovered = load(&fleet, &mut users, 5);
    println!(
        "outage phases (requests/refused): healthy {}/{}, inside the window {}/{}, \
         failing closed {}/{}, after recovery {}/{}",
        healthy.requests,
        healthy.refused,
        inside.requests,
        inside.refused,
        closed.requests,
        closed.refused,
        recovered.requests,
        recovered.refused
    );
    assert_eq!(
        (healthy.refused, inside.refused, recovered.refused),
        (0, 0, 0)
    );
    // Failing closed: every returning session is refused (each request
    // brings a cookie with an id: the fresh session the previous refusal
    // handed out is refused in its turn).
    assert_eq!(closed.refused, closed.requests);
}
