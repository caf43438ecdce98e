//! A fleet of real processes on 127.0.0.1 (issue 19): three instances of
//! the axum example (`axum_app`, the binary built with this test), the
//! Flask fleet app (`tests/python/fleet_flask_app.py`) when the tree has
//! it and the venv can run it, and one real redis-server. Clients are
//! plain HTTP/1.1 over `TcpStream` that keep the cookies themselves and
//! spread their requests over every instance.
//!
//! - logout on one instance: the replayed cookie is refused by all; the
//!   propagation delay (from the logout's answer to the first refusal on
//!   each other instance) is printed as p50, p99 and max;
//! - sign-out-everywhere for a user with a session on every instance;
//! - Redis killed under load: served inside the window, then refused, then
//!   served again after the restart (errors counted per phase);
//! - a key rollout, key files replaced seconds apart: with an activation
//!   time after the last replacement nothing is refused; the control (the
//!   new key sealing at once) shows the refusals it causes.
//!
//! `#[ignore]`d in a plain `cargo test` (they need redis-server, and the
//! Flask instance the venv); `cargo xtask ci` runs them with `--ignored
//! --nocapture` (the "redis" step), which installs redis-server. A missing
//! redis-server is a failure there, not a skip. The figures are printed, not
//! asserted: timings belong to measurements, not to pass/fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

extern crate alloc;

use alloc::sync::Arc;
use core::fmt::Write as _;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The outage window given to every instance (`--fail-closed-after`).
const WINDOW: Duration = Duration::from_secs(4);
/// How long a refusal may take to reach an instance before the test fails
/// (a bound against hanging, far above any expected delay).
const BOUND: Duration = Duration::from_secs(10);

const K1: &str = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const K2: &str = "2 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// One scenario at a time: they share two cores with the rest of CI, and
/// the outage phases are measured against the clock.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

// ------------------------------------------------------------ processes

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sealed-session-fleet-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A redis-server without persistence, killed on drop.
struct Redis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Redis {
    fn start(dir: &Path) -> Self {
        let mut redis = Self {
            child: None,
            port: free_port(),
            dir: dir.to_path_buf(),
        };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts (again) on the same port, empty.
    fn restart(&mut self) {
        let server = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(&server)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot run {server} ({error}): install redis-server, or run `cargo xtask ci`"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + BOUND;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL: no goodbye to the clients.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One app process of the fleet, killed on drop.
struct Instance {
    name: String,
    port: u16,
    keys: PathBuf,
    child: Child,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `text` to `path` as `sealed-session rotate` and secret volumes
/// do: a new file, mode 0600, renamed over the old one.
fn replace_keys(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, text).unwrap();
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

/// The workspace's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// How to run the Flask fleet app, or why it is not in the fleet.
fn flask_command() -> Result<(PathBuf, PathBuf), String> {
    let script = root().join("tests/python/fleet_flask_app.py");
    if !script.exists() {
        return Err("tests/python/fleet_flask_app.py is not in this tree".to_owned());
    }
    let python = std::env::var_os("SEALED_SESSION_PYTHON")
        .map_or_else(|| root().join("target/venv/bin/python"), PathBuf::from);
    let probe = Command::new(&python)
        .args(["-c", "import flask, sealed_session"])
        .output();
    match probe {
        Ok(output) if output.status.success() => Ok((python, script)),
        Ok(output) => Err(format!(
            "{} cannot import flask and sealed_session: {}",
            python.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) => Err(format!("no Python at {} ({error})", python.display())),
    }
}

/// Starts `command` (stdout piped) and reads its `listening on` line; the
/// port is the one printed.
fn spawn(name: &str, mut command: Command, keys: PathBuf, log: &Path) -> Instance {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let line = line.trim();
    let port = line
        .strip_prefix("listening on ")
        .and_then(|address| address.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "{name} printed {line:?}, not its address; its log: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        });
    // Whatever else it prints must not fill the pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    Instance {
        name: name.to_owned(),
        port,
        keys,
        child,
    }
}

/// The fleet: one Redis, three axum instances and the Flask one when it
/// can run, each with its own copy of the key file.
struct Fleet {
    instances: Vec<Instance>,
    redis: Redis,
    dir: PathBuf,
}

impl Fleet {
    fn start(name: &str, keys: &str) -> Self {
        let dir = scratch(name);
        let redis = Redis::start(&dir);
        let window = WINDOW.as_secs().to_string();
        let mut instances = Vec::new();
        for i in 0..3 {
            let keys_file = dir.join(format!("axum-{i}.keys"));
            replace_keys(&keys_file, keys);
            let mut command = Command::new(env!("CARGO_BIN_EXE_axum_app"));
            command
                .env_remove("SEALED_SESSION_KEYS")
                .env_remove("SEALED_SESSION_KEYS_FILE")
                .env_remove("PORT")
                .args(["--port", "0", "--keys"])
                .arg(&keys_file)
                .args(["--redis", &redis.url(), "--fail-closed-after", &window]);
            let log = dir.join(format!("axum-{i}.log"));
            instances.push(spawn(&format!("axum-{i}"), command, keys_file, &log));
        }
        match flask_command() {
            Ok((python, script)) => {
                let keys_file = dir.join("flask.keys");
                replace_keys(&keys_file, keys);
                let mut command = Command::new(python);
                command
                    .arg(script)
                    .args(["--port", &free_port().to_string(), "--keys"])
                    .arg(&keys_file)
                    .args(["--redis", &redis.url(), "--fail-closed-after", &window]);
                instances.push(spawn("flask", command, keys_file, &dir.join("flask.log")));
            }
            // `cargo xtask ci` names the venv's Python: there the Flask
            // instance is part of the fleet, never left out. By hand,
            // without the venv, the fleet is the three axum instances.
            Err(why) if std::env::var_os("SEALED_SESSION_PYTHON").is_some() => {
                panic!("fleet: the Flask instance cannot run: {why}")
            }
            Err(why) => println!("fleet: no Flask instance: {why}"),
        }
        let fleet = Self {
            instances,
            redis,
            dir,
        };
        fleet.wait_healthy();
        fleet
    }

    fn ports(&self) -> Vec<u16> {
        self.instances.iter().map(|i| i.port).collect()
    }

    fn name(&self, port: u16) -> &str {
        &self.instances.iter().find(|i| i.port == port).unwrap().name
    }

    /// Waits (bounded) until every instance answers `/health` with 200.
    fn wait_healthy(&self) {
        let deadline = Instant::now() + BOUND * 2;
        for instance in &self.instances {
            while get(instance.port, "/health", None).map(|r| r.status) != Some(200) {
                assert!(
                    Instant::now() < deadline,
                    "{} never became healthy; its log: {}",
                    instance.name,
                    std::fs::read_to_string(self.dir.join(format!("{}.log", instance.name)))
                        .unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.instances.clear();
        self.redis.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ----------------------------------------------------------------- HTTP

/// An answer: status, `Set-Cookie` values, body.
#[derive(Debug)]
struct Reply {
    status: u16,
    set_cookies: Vec<String>,
    body: String,
}

/// One HTTP/1.1 request on a new connection (`Connection: close`); `None`
/// when the connection fails.
fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
    body: &str,
) -> Option<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(BOUND)).ok()?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        write!(request, "Cookie: {cookie}\r\n").unwrap();
    }
    for (name, value) in extra {
        write!(request, "{name}: {value}\r\n").unwrap();
    }
    write!(request, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let set_cookies = lines
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    Some(Reply {
        status,
        set_cookies,
        body: body.to_owned(),
    })
}

fn get(port: u16, path: &str, cookie: Option<&str>) -> Option<Reply> {
    http(port, "GET", path, cookie, &[], "")
}

/// A logged-in client: its cookie (`name=value`) and CSRF token.
#[derive(Clone, Debug)]
struct User {
    name: String,
    cookie: String,
    csrf: String,
}

/// The `name=value` of a `Set-Cookie` that sets (not deletes) the session.
fn session_cookie(set_cookies: &[String]) -> Option<String> {
    set_cookies.iter().find_map(|value| {
        let pair = value.split(';').next()?.trim();
        let session = pair.strip_prefix("__Host-session=")?;
        (!session.is_empty()).then(|| pair.to_owned())
    })
}

/// Whether the answer deletes the session cookie.
fn deletes(set_cookies: &[String]) -> bool {
    set_cookies
        .iter()
        .any(|value| value.starts_with("__Host-session=;"))
}

/// A JSON string field of `body`.
fn field(body: &str, name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}

fn login(port: u16, name: &str) -> User {
    let reply = http(
        port,
        "POST",
        "/login",
        None,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("user={name}"),
    )
    .unwrap();
    assert_eq!(reply.status, 200, "login on {port}: {reply:?}");
    assert_eq!(field(&reply.body, "user_id").as_deref(), Some(name));
    User {
        name: name.to_owned(),
        cookie: session_cookie(&reply.set_cookies).expect("login sets the cookie"),
        csrf: field(&reply.body, "csrf").unwrap(),
    }
}

fn post(port: u16, path: &str, user: &User) -> Option<Reply> {
    http(
        port,
        "POST",
        path,
        Some(&user.cookie),
        &[("X-CSRF-Token", &user.csrf)],
        "",
    )
}

/// The key id a cookie was sealed under (FORMAT.md §3: the envelope's
/// third byte, in the first four base64url characters).
fn key_id(cookie: &str) -> u8 {
    let value = cookie.strip_prefix("__Host-session=").unwrap();
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url"),
    };
    let bytes = value.as_bytes();
    (sextet(bytes[2]) << 6 & 0xc0) | sextet(bytes[3])
}

/// Polls `GET /me` with `cookie` on every one of `ports`, round robin,
/// until each has refused it (401); returns, per port, how long after
/// `since` that was. Each figure is an upper bound: it includes the
/// request that saw the refusal, and at most one round of requests to the
/// other ports. `FIRST_TRY` counts the refusals seen at the first request.
fn until_refused(ports: &[u16], cookie: &str, since: Instant) -> Vec<(u16, Duration)> {
    let mut pending = ports.to_vec();
    let mut refused = Vec::new();
    let mut first = true;
    while !pending.is_empty() {
        pending.retain(|&port| {
            let reply = get(port, "/me", Some(cookie)).unwrap();
            let elapsed = since.elapsed();
            match reply.status {
                401 => {
                    refused.push((port, elapsed));
                    if first {
                        FIRST_TRY.fetch_add(1, Ordering::Relaxed);
                    }
                    false
                }
                200 => {
                    assert!(
                        elapsed < BOUND,
                        "still accepted on {port} after {elapsed:?}"
                    );
                    true
                }
                other => panic!("GET /me on {port}: {other} {}", reply.body),
            }
        });
        first = false;
    }
    refused
}

/// How many replays [`until_refused`] saw refused at the first request.
static FIRST_TRY: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// p50, p99 and max, by nearest rank.
fn percentiles(mut delays: Vec<Duration>) -> (Duration, Duration, Duration) {
    delays.sort();
    let rank = |p: usize| delays[((delays.len() * p).div_ceil(100)).max(1) - 1];
    (rank(50), rank(99), *delays.last().unwrap())
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

// ------------------------------------------------------------------ load

/// What the load saw: requests by phase and outcome.
#[derive(Default)]
struct Tally(Mutex<HashMap<(String, String), u64>>);

impl Tally {
    fn add(&self, phase: &str, outcome: &str) {
        *self
            .0
            .lock()
            .unwrap()
            .entry((phase.to_owned(), outcome.to_owned()))
            .or_default() += 1;
    }

    fn get(&self, phase: &str, outcome: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .get(&(phase.to_owned(), outcome.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    fn table(&self, phases: &[&str]) -> String {
        let map = self.0.lock().unwrap();
        let mut text = String::new();
        for phase in phases {
            let mut outcomes: Vec<_> = map
                .iter()
                .filter(|((p, _), _)| p == phase)
                .map(|((_, outcome), count)| format!("{outcome} {count}"))
                .collect();
            outcomes.sort();
            writeln!(text, "  {phase:<28} {}", outcomes.join(", ")).unwrap();
        }
        text
    }
}

/// Load threads: each runs `step` over the instances, round robin, until
/// stopped.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Load {
    fn start<S: FnMut(u16) + Send + 'static>(ports: &[u16], steps: Vec<S>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = steps
            .into_iter()
            .enumerate()
            .map(|(t, mut step)| {
                let (stop, ports) = (Arc::clone(&stop), ports.to_vec());
                std::thread::spawn(move || {
                    let mut i = t;
                    while !stop.load(Ordering::Relaxed) {
                        step(ports[i % ports.len()]);
                        i += 1;
                    }
                })
            })
            .collect();
        Self { stop, threads }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            thread.join().unwrap();
        }
    }
}

// ----------------------------------------------------------------- tests

/// Logout on one instance; the cookie replayed on the others (and on the
/// same one) is refused, under background load on every instance. The
/// propagation delay is measured from the logout's answer to the first
/// refusal on each other instance.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn fleet_logout_on_one_instance_is_refused_by_all() {
    let _serial = serial();
    let fleet = Fleet::start("logout", &format!("{K1}\n"));
    let ports = fleet.ports();
    let tally = Arc::new(Tally::default());
    let steps: Vec<_> = (0..3)
        .map(|t| {
            let (tally, mut user) = (
                Arc::clone(&tally),
                login(ports[t % ports.len()], &format!("load-{t}")),
            );
            move |port: u16| {
                let reply = post(port, "/counter", &user);
                match reply {
                    Some(reply) if reply.status == 200 => {
                        if let Some(cookie) = session_cookie(&reply.set_cookies) {
                            user.cookie = cookie;
                        }
                        tally.add("load", "ok");
                    }
                    Some(reply) => tally.add("load", &reply.status.to_string()),
                    None => tally.add("load", "connection error"),
                }
            }
        })
        .collect();
    let load = Load::start(&ports, steps);

    FIRST_TRY.store(0, Ordering::Relaxed);
    let mut delays = Vec::new();
    let mut by_instance: HashMap<u16, Vec<Duration>> = HashMap::new();
    let revocations = 40;
    for r in 0..revocations {
        let home = ports[r % ports.len()];
        let user = login(home, &format!("victim-{r}"));
        for &port in &ports {
            let me = get(port, "/me", Some(&user.cookie)).unwrap();
            assert_eq!(me.status, 200, "a fresh cookie on {}", fleet.name(port));
            assert_eq!(
                field(&me.body, "user_id").as_deref(),
                Some(user.name.as_str())
            );
        }
        let logout = post(home, "/logout", &user).unwrap();
        assert_eq!(logout.status, 200, "{logout:?}");
        assert!(deletes(&logout.set_cookies), "{logout:?}");
        let since = Instant::now();
        // The replay on the instance that logged out: refused at once.
        assert_eq!(get(home, "/me", Some(&user.cookie)).unwrap().status, 401);
        let others: Vec<u16> = ports.iter().copied().filter(|&port| port != home).collect();
        for (port, delay) in until_refused(&others, &user.cookie, since) {
            delays.push(delay);
            by_instance.entry(port).or_default().push(delay);
        }
    }
    load.stop();

    let (p50, p99, max) = percentiles(delays.clone());
    println!(
        "fleet: logout propagation over {} instances ({}), {revocations} logouts, {} replays \
         on other instances: p50 {}, p99 {}, max {}",
        ports.len(),
        fleet
            .instances
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        delays.len(),
        ms(p50),
        ms(p99),
        ms(max)
    );
    println!(
        "  refused at the first replay: {} of {} (the rest at the next round)",
        FIRST_TRY.load(Ordering::Relaxed),
        delays.len()
    );
    for &port in &ports {
        if let Some(delays) = by_instance.get(&port) {
            let (p50, p99, max) = percentiles(delays.clone());
            println!(
                "  refused by {:<8} p50 {}, p99 {}, max {}",
                fleet.name(port),
                ms(p50),
                ms(p99),
                ms(max)
            );
        }
    }
    println!(
        "fleet: background load during the logouts:\n{}",
        tally.table(&["load"])
    );
    assert!(tally.get("load", "ok") > 0);
    assert_eq!(tally.0.lock().unwrap().len(), 1, "the load saw errors");
}

/// Sign-out-everywhere from one instance ends the user's session on every
/// instance (one login per instance), and no one else's.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn fleet_sign_out_everywhere_reaches_every_instance() {
    let _serial = serial();
    let fleet = Fleet::start("everywhere", &format!("{K1}\n"));
    let ports = fleet.ports();
    let sessions: Vec<User> = ports.iter().map(|&port| login(port, "ann")).collect();
    let bystander = login(ports[0], "bob");
    for user in &sessions {
        for &port in &ports {
            assert_eq!(get(port, "/me", Some(&user.cookie)).unwrap().status, 200);
        }
    }
    // A subject entry covers sessions created strictly before its second
    // (REVOCATION.md), so the sign-out comes in the next second.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    std::thread::sleep(Duration::from_nanos(
        1_000_000_000 - u64::from(now.subsec_nanos()),
    ));

    let from = ports[ports.len() - 1];
    let reply = post(from, "/logout-everywhere", &sessions[sessions.len() - 1]).unwrap();
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(deletes(&reply.set_cookies));
    let since = Instant::now();
    let mut delays = Vec::new();
    for user in &sessions {
        delays.extend(
            until_refused(&ports, &user.cookie, since)
                .into_iter()
                .map(|(_, d)| d),
        );
    }
    for &port in &ports {
        assert_eq!(
            get(port, "/me", Some(&bystander.cookie)).unwrap().status,
            200
        );
    }
    // A login after it is not revoked.
    let again = login(ports[0], "ann");
    for &port in &ports {
        assert_eq!(get(port, "/me", Some(&again.cookie)).unwrap().status, 200);
    }
    let (p50, p99, max) = percentiles(delays.clone());
    println!(
        "fleet: sign-out-everywhere from {}: {} sessions x {} instances refused; \
         p50 {}, p99 {}, max {} after the answer",
        fleet.name(from),
        sessions.len(),
        ports.len(),
        ms(p50),
        ms(p99),
        ms(max)
    );
}

/// Redis killed under load: requests keep succeeding inside the window,
/// then authenticated sessions are refused (and `/health` says 503), then
/// everything recovers after the restart, with the same cookies. A logout
/// taken while Redis was down reaches the other instances once it is back
/// (written back by the instance that took it).
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn fleet_redis_outage_serves_inside_the_window_then_fails_closed_then_recovers() {
    let _serial = serial();
    let mut fleet = Fleet::start("outage", &format!("{K1}\n"));
    let ports = fleet.ports();
    let phase = Arc::new(Mutex::new("before the kill"));
    let tally = Arc::new(Tally::default());
    let steps: Vec<_> = (0..4)
        .map(|t| {
            let user = login(ports[t % ports.len()], &format!("load-{t}"));
            let (tally, phase) = (Arc::clone(&tally), Arc::clone(&phase));
            // The client keeps its cookie whatever the answers say (a
            // browser would drop it at the first refusal), to show that
            // the same sessions are served again after the restart.
            move |port: u16| {
                let now = *phase.lock().unwrap();
                let outcome = match get(port, "/me", Some(&user.cookie)) {
                    Some(reply) if reply.status == 200 => "200".to_owned(),
                    Some(reply) => reply.status.to_string(),
                    None => "connection error".to_owned(),
                };
                tally.add(now, &outcome);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
        .collect();
    let set = |name: &'static str| *phase.lock().unwrap() = name;
    let load = Load::start(&ports, steps);
    std::thread::sleep(Duration::from_millis(1500));

    let offline = login(ports[0], "offline");
    let margin = Duration::from_secs(1);
    set("inside the window");
    fleet.redis.kill();
    let killed = Instant::now();
    // A logout while Redis is down: taken on this instance at once.
    std::thread::sleep(Duration::from_millis(300));
    let reply = post(ports[0], "/logout", &offline).unwrap();
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        get(ports[0], "/me", Some(&offline.cookie)).unwrap().status,
        401
    );
    std::thread::sleep((WINDOW - margin).saturating_sub(killed.elapsed()));
    set("window's end (not asserted)");
    std::thread::sleep((WINDOW + margin).saturating_sub(killed.elapsed()));
    set("after the window");
    std::thread::sleep(Duration::from_millis(500));
    for &port in &ports {
        assert_eq!(
            get(port, "/health", None).unwrap().status,
            503,
            "{} past the window",
            fleet.name(port)
        );
    }
    std::thread::sleep(Duration::from_millis(1500));
    set("restarting (not asserted)");
    // Requests sent before the switch are answered before Redis is back.
    std::thread::sleep(Duration::from_millis(200));
    fleet.redis.restart();
    let restarted = Instant::now();
    fleet.wait_healthy();
    let recovered = restarted.elapsed();
    set("after recovery");
    std::thread::sleep(Duration::from_millis(1500));
    load.stop();

    let phases = [
        "before the kill",
        "inside the window",
        "window's end (not asserted)",
        "after the window",
        "restarting (not asserted)",
        "after recovery",
    ];
    println!(
        "fleet: Redis killed under load, window {:?} (--fail-closed-after), GET /me with \
         logged-in cookies over {} instances; every instance healthy {} after the restart:\n{}",
        WINDOW,
        ports.len(),
        ms(recovered),
        tally.table(&phases)
    );
    // The logout taken during the outage is everywhere now.
    let since = Instant::now();
    let delays: Vec<_> = until_refused(&ports, &offline.cookie, since)
        .into_iter()
        .map(|(_, delay)| delay)
        .collect();
    println!(
        "fleet: a logout taken while Redis was down, refused by every instance after the \
         restart: max {} after recovery",
        ms(percentiles(delays).2)
    );
    for (phase, expected) in [
        ("before the kill", "200"),
        ("inside the window", "200"),
        ("after the window", "401"),
        ("after recovery", "200"),
    ] {
        let map = tally.0.lock().unwrap();
        let total: u64 = map
            .iter()
            .filter(|((p, _), _)| p == phase)
            .map(|(_, n)| n)
            .sum();
        let right = map
            .get(&(phase.to_owned(), expected.to_owned()))
            .copied()
            .unwrap_or(0);
        assert!(total > 0, "no requests {phase}");
        assert_eq!(right, total, "{phase}: every answer should be {expected}");
    }
}

/// A rollout: the key file is replaced on each instance, seconds apart,
/// under load by clients that keep the cookies they are given; `activates`
/// says when the new key seals. Returns (refused, logouts, requests, the
/// key ids the clients held at the end).
fn rollout(name: &str, new_keys: impl Fn(u64) -> String) -> (u64, u64, u64, Vec<u8>) {
    let fleet = Fleet::start(name, &format!("{K1}\n"));
    let ports = fleet.ports();
    let stagger = Duration::from_secs(2);
    let counts = Arc::new(Mutex::new((0u64, 0u64, 0u64)));
    let holders: Vec<Arc<Mutex<User>>> = (0..6)
        .map(|t| {
            Arc::new(Mutex::new(login(
                ports[t % ports.len()],
                &format!("user-{t}"),
            )))
        })
        .collect();
    let steps: Vec<_> = holders
        .iter()
        .map(|holder| {
            let (holder, counts, ports) = (Arc::clone(holder), Arc::clone(&counts), ports.clone());
            move |port: u16| {
                let mut user = holder.lock().unwrap();
                let reply = post(port, "/counter", &user).unwrap();
                let mut counts = counts.lock().unwrap();
                counts.2 += 1;
                if reply.status != 200 {
                    assert_eq!(reply.status, 401, "{reply:?}");
                    counts.0 += 1;
                }
                if deletes(&reply.set_cookies) {
                    // Logged out: the browser drops the cookie; the user
                    // logs in again.
                    counts.1 += 1;
                    *user = login(ports[0], &user.name.clone());
                } else if let Some(cookie) = session_cookie(&reply.set_cookies) {
                    user.cookie = cookie;
                }
                drop(counts);
                drop(user);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
        .collect();
    let load = Load::start(&ports, steps);
    std::thread::sleep(Duration::from_secs(1));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // The last file is replaced after (n - 1) staggers; the key activates
    // three seconds after that (one poll interval, and clock skew).
    let last = stagger.as_secs() * (ports.len() as u64 - 1);
    let activates = now + last + 4;
    let text = new_keys(activates);
    for (i, instance) in fleet.instances.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(stagger);
        }
        replace_keys(&instance.keys, &text);
    }
    // Past the activation (and every instance's reload), then some more.
    while SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        < activates + 2
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    load.stop();
    let kids = holders
        .iter()
        .map(|holder| key_id(&holder.lock().unwrap().cookie))
        .collect();
    let (refused, logouts, requests) = *counts.lock().unwrap();
    (refused, logouts, requests, kids)
}

/// Key files replaced seconds apart, the new key activating after the last
/// replacement: no cookie refused, no one logged out, and every client ends
/// up holding a cookie sealed under the new key.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn fleet_key_rollout_with_an_activation_time_refuses_nothing() {
    let _serial = serial();
    let (refused, logouts, requests, kids) = rollout("rollout", |activates| {
        let time = rfc3339(activates);
        format!("{K2} activates={time}\n{K1}\n")
    });
    println!(
        "fleet: key rollout with activates= after the last replacement: {requests} requests, \
         {refused} refused, {logouts} logouts; key ids held at the end {kids:?}"
    );
    assert_eq!((refused, logouts), (0, 0));
    assert!(requests > 0);
    assert!(kids.iter().all(|&kid| kid == 2), "{kids:?}");
}

/// The control: the same rollout with the new key sealing at once. An
/// instance still on the old file refuses the cookies an updated one
/// seals, and logs those users out: what `activates=` prevents.
#[test]
#[ignore = "needs redis-server; run by `cargo xtask ci`"]
fn fleet_key_rollout_without_an_activation_time_logs_users_out() {
    let _serial = serial();
    let (refused, logouts, requests, kids) = rollout("control", |_| format!("{K2}\n{K1}\n"));
    println!(
        "fleet: control, the new key primary at once: {requests} requests, {refused} refused, \
         {logouts} logouts; key ids held at the end {kids:?}"
    );
    assert!(
        refused > 0 && logouts > 0,
        "{refused} refused, {logouts} logouts"
    );
    assert!(kids.iter().all(|&kid| kid == 2), "{kids:?}");
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (FORMAT.md §7.3).
fn rfc3339(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[test]
fn rfc3339_matches_format_md() {
    // FORMAT.md §7.3's vectors: 2026-12-07T16:00:00Z is 1796659200.
    assert_eq!(rfc3339(1_796_659_200), "2026-12-07T16:00:00Z");
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
}
