//! Against a real redis-server (Debian's), one per test on a free loopback
//! port with a temporary directory and no persistence. `#[ignore]`d in a
//! plain `cargo test` (Redis need not be installed); `cargo xtask ci`
//! installs redis-server and runs them with `--ignored`.

// Test helpers outside `#[test]` functions unwrap too: a failure there is a
// test failure, and its message points at the line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
