//! `cargo xtask load`: the same tiny axum app with sealed-session-tower
//! (alone, and with `sealed-session-redis`'s Redis-backed revocation list),
//! axum-extra's `PrivateCookieJar`, tower-sessions' `MemoryStore`,
//! tower-sessions-cookie-store and no sessions at all (the floor), under
//! load on loopback; the tables are recorded in `benches/LOAD.md`.
//!
//! The run, in order:
//! 1. builds `benches/load` (its own workspace: every crate built as its
//!    users build it) in release, into `<target>/load`, and records which
//!    serde_json features its graph switches on;
//! 2. starts a redis-server on a free loopback port (Debian's, installed
//!    when missing; no persistence, a temporary directory) and preloads
//!    [`REVOKED`] revocations into it;
//! 3. [`ROUNDS`] rounds; each runs every (session shape, mode, size,
//!    variant) once, the variants in a rotated order. A run starts a fresh
//!    `load-server` pinned to CPU 0 and `load-gen` pinned to CPU 1
//!    (`taskset`, when there are two CPUs and the tool): one `GET` of the
//!    shape's `init` route whose cookie every later request carries,
//!    [`WARMUP`] requests unmeasured, then [`REQUESTS`] over
//!    [`CONNECTIONS`] keep-alive connections, bounded by [`SECONDS`]. The
//!    1-minute load average is read before each run;
//! 4. per cell, the median over the rounds; per difference or ratio (a
//!    layer against the floor, ours against a peer), the median of the
//!    rounds' values, so each compares runs made minutes apart at most.

use core::fmt::Write as _;
use core::time::Duration;
use std::io::{BufRead as _, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use crate::bench::{capture, median, today};
use crate::portability::target_dir;
use crate::workspace::{Workspace, display, succeeds};

/// Rounds of every run; the tables give medians over them. Many short
/// rounds rather than a few long ones: on a busy machine a median of seven
/// resists a disturbed run better than one of three.
const ROUNDS: usize = 7;
/// Measured requests per run: about half a second's worth on a quiet
/// machine, where 6000 (a second's worth under load) made runs of 70 ms,
/// too short to resolve differences of a microsecond.
const REQUESTS: usize = 40_000;
/// Unmeasured requests before them, on the same connections.
const WARMUP: usize = 500;
/// Keep-alive connections per run (closed loop: one request in flight on each).
const CONNECTIONS: usize = 8;
/// Upper bound of a run's measured part, in seconds.
const SECONDS: usize = 5;
/// Session sizes: bytes of the two-key session's string, or of the app
/// session's JSON.
const SIZES: [usize; 2] = [64, 1024];
/// Revocations preloaded into Redis for the `redis` variant.
const REVOKED: u64 = 100_000;

/// The six servers, as `load-server` names them, and how the tables do.
const VARIANTS: [(&str, &str); 6] = [
    ("floor", "none (the floor)"),
    ("sealed", "ours: sealed-session-tower `SessionLayer`"),
    (
        "redis",
        "ours + `RedisRevocations` (100 000 revoked, mirrored)",
    ),
    ("jar", "axum-extra `PrivateCookieJar` (JSON)"),
    ("memory", "tower-sessions `MemoryStore`"),
    ("cookie-store", "tower-sessions-cookie-store (`private`)"),
];
/// Indices into [`VARIANTS`].
const FLOOR: usize = 0;
const SEALED: usize = 1;
const REDIS: usize = 2;
const JAR: usize = 3;
const MEMORY: usize = 4;
const COOKIE_STORE: usize = 5;
/// The peers ours is held against, in the goal tables.
const PEERS: [usize; 3] = [JAR, MEMORY, COOKIE_STORE];

/// One session shape: its routes' prefix, how the tables name it, and
/// what a read answers (`None`: the size).
struct Shape {
    prefix: &'static str,
    title: &'static str,
    read_answer: Option<&'static str>,
}

/// The two session shapes.
const SHAPES: [Shape; 2] = [
    Shape {
        prefix: "/app",
        title: "An app's session: at 64 B four keys (user id, CSRF token, counter, \
                locale), at 1 KiB eight (user id, email, CSRF token, counter, roles, \
                39 recently viewed pages, time zone, locale); a read reads the user id, \
                a write increments the counter",
        read_answer: Some("48213"),
    },
    Shape {
        prefix: "",
        title: "Two keys: a string of the size shown and a counter; a read reads the \
                string, a write increments the counter",
        read_answer: None,
    },
];

/// Read only and read-write: method, route (after the shape's prefix),
/// and how the tables name them.
const MODES: [(&str, &str, &str); 2] = [
    (
        "GET",
        "read",
        "read only: `GET read` opens the session and reads one key",
    ),
    (
        "POST",
        "write",
        "read-write: `POST write` opens the session, increments the counter and stores it again",
    ),
];

/// Runs the load test, prints the tables and writes `benches/LOAD.md`.
///
/// # Errors
///
/// When the build, redis-server, a server or a generator fails, or a
/// run's answers show that its session did not open.
pub(crate) fn load(ws: &Workspace) -> Result<(), String> {
    let started = Instant::now();
    let manifest = ws.root.join("benches").join("load").join("Cargo.toml");
    let manifest_arg = manifest.display().to_string();
    let target = target_dir(ws)?.join("load");
    let target_arg = target.display().to_string();
    ws.run_cargo(&[
        "build",
        "--release",
        "--manifest-path",
        &manifest_arg,
        "--target-dir",
        &target_arg,
    ])?;
    let features = serde_json_features(ws, &manifest_arg)?;
    let bin = target.join("release");
    let pinned = succeeds(Command::new("taskset").arg("--version"))
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let built = started.elapsed();

    let redis = Redis::start(crate::fleet::redis_server()?, &target)?;
    let preloaded = preload(&bin, &redis.url())?;
    println!(
        "redis-server on port {}: {preloaded} keys preloaded",
        redis.port
    );

    let load_before = load_average();
    let mut runs = Vec::new();
    for round in 0..ROUNDS {
        println!("\n==> round {} of {ROUNDS}", round + 1);
        for (shape, shape_def) in SHAPES.iter().enumerate() {
            for (mode, (_, route, _)) in MODES.iter().enumerate() {
                for size in SIZES {
                    for offset in 0..VARIANTS.len() {
                        let variant = (offset + round) % VARIANTS.len();
                        let slot = Slot { shape, mode, size };
                        let load1 = load_average_1();
                        let result = measure(&bin, pinned, &redis.url(), slot, variant)?;
                        println!(
                            "  {:<12} {:>4} {:<6} {:>5} B  {:>7.0} req/s  p50 {:>7.1} µs  \
                             p99 {:>8.1} µs  server {:>6.2} µs/req  load {load1:.2}",
                            VARIANTS[variant].0,
                            if shape_def.prefix.is_empty() {
                                "two"
                            } else {
                                "app"
                            },
                            route,
                            size,
                            result.rps,
                            result.p50_us,
                            result.p99_us,
                            result.cpu_us
                        );
                        runs.push(Run {
                            round,
                            slot,
                            variant,
                            load1,
                            result,
                        });
                    }
                }
            }
        }
    }
    drop(redis);

    let machine = Machine {
        date: today(),
        cpu: cpu_model(),
        cores: std::thread::available_parallelism().map_or(0, usize::from),
        rustc: first_line(Command::new("rustc").arg("--version")),
        load_before,
        load_after: load_average(),
        pinned,
        versions: versions(&ws.root.join("benches").join("load").join("Cargo.lock")),
        features,
        preloaded,
        built_s: built.as_secs_f64(),
        measured_s: (started.elapsed() - built).as_secs_f64(),
    };
    let report = report(&runs, &machine);
    print!("\n{report}");
    let path = ws.root.join("benches").join("LOAD.md");
    std::fs::write(&path, report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nwritten to {}", path.display());
    Ok(())
}

/// Which table cell a run belongs to, less the variant.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Slot {
    /// Index into [`SHAPES`].
    shape: usize,
    /// Index into [`MODES`].
    mode: usize,
    size: usize,
}

/// One measured run.
struct Run {
    round: usize,
    slot: Slot,
    /// Index into [`VARIANTS`].
    variant: usize,
    /// The 1-minute load average just before the run.
    load1: f64,
    result: Measured,
}

/// What `load-gen` printed.
struct Measured {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    /// The server's CPU time per request, µs.
    cpu_us: f64,
    /// `name=value` of the session cookie the requests carried, bytes.
    cookie_len: usize,
    /// Whether the time bound cut the run short.
    cut: bool,
}

/// Starts a server, runs the generator against it, stops the server, and
/// checks that the session really was opened (the read answered the
/// expected value) or stored again (a `Set-Cookie`).
fn measure(
    bin: &Path,
    pinned: bool,
    redis_url: &str,
    slot: Slot,
    variant: usize,
) -> Result<Measured, String> {
    let (name, _) = VARIANTS[variant];
    let (method, route, _) = MODES[slot.mode];
    let shape = &SHAPES[slot.shape];
    let path = format!("{}/{route}", shape.prefix);
    let mut server_args = vec![name];
    if variant == REDIS {
        server_args.push(redis_url);
    }
    let server = Server::start(&bin.join("load-server"), &server_args, pinned)?;
    let mut generator = pinned_command(&bin.join("load-gen"), pinned, "1");
    generator.args([
        server.port.to_string(),
        method.to_owned(),
        path.clone(),
        REQUESTS.to_string(),
        CONNECTIONS.to_string(),
        WARMUP.to_string(),
        SECONDS.to_string(),
        format!("{}/init?size={}", shape.prefix, slot.size),
    ]);
    let output = generator
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", display(&generator)))?;
    drop(server);
    if !output.status.success() {
        return Err(format!(
            "`{}` failed: {}",
            display(&generator),
            output.status
        ));
    }
    let line = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let field = |key: &str| -> Result<&str, String> {
        line.split(' ')
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .ok_or_else(|| format!("load-gen printed no `{key}`: {line}"))
    };
    let number = |key: &str| -> Result<f64, String> {
        field(key)?
            .parse::<f64>()
            .map_err(|e| format!("`{key}` in `{line}`: {e}"))
    };
    let errors = number("errors")?;
    let requests = number("requests")?;
    let session = variant != FLOOR;
    if errors > 0.0 {
        return Err(format!("{name} {method} {path}: {errors} errors: {line}"));
    }
    if slot.mode == 0 && session {
        let expected = shape
            .read_answer
            .map_or_else(|| slot.size.to_string(), str::to_owned);
        if field("first_body")? != expected {
            return Err(format!(
                "{name} {method} {path}: the session did not open (body {}, expected {expected})",
                field("first_body")?
            ));
        }
    }
    if slot.mode == 1 && session && field("first_set_cookies")? != "1" {
        return Err(format!("{name} {method} {path}: nothing stored: {line}"));
    }
    #[allow(clippy::cast_precision_loss)]
    let cut = requests < REQUESTS as f64;
    Ok(Measured {
        rps: number("rps")?,
        p50_us: number("p50_us")?,
        p99_us: number("p99_us")?,
        cpu_us: number("cpu_us_per_request")?,
        cookie_len: field("cookie_len")?.parse().unwrap_or(0),
        cut,
    })
}

/// `program`, under `taskset -c <cpu>` when `pinned`.
fn pinned_command(program: &Path, pinned: bool, cpu: &str) -> Command {
    if pinned {
        let mut command = Command::new("taskset");
        command.args(["-c", cpu]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A `load-server` this task started; it exits when its stdin closes,
/// and is killed if it has not within a few seconds.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(program: &Path, args: &[&str], pinned: bool) -> Result<Self, String> {
        let mut command = pinned_command(program, pinned, "0");
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", display(&command)))?;
        let (sender, receiver) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                let _ = sender.send(line);
            });
        }
        // The `redis` way prints its port once the list is loaded.
        let port = receiver
            .recv_timeout(Duration::from_secs(60))
            .ok()
            .and_then(|line| line.trim().parse::<u16>().ok());
        let server = Self {
            child,
            port: port.unwrap_or(0),
        };
        match port {
            Some(_) => Ok(server),
            None => Err(format!("`{}` printed no port", display(&command))),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a Redis server answers `PING` on 127.0.0.1:`port`.
fn answers_ping(port: u16) -> bool {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

/// The redis-server this task started, on a free loopback port, without
/// persistence, in a directory of its own; killed on drop.
struct Redis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Redis {
    fn start(program: &str, target: &Path) -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?
            .port();
        let dir = target.join(format!("redis-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut command = Command::new(program);
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        println!("$ {}", display(&command));
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", display(&command)))?;
        let mut redis = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        // Ours answering, not whatever took the port after it was free:
        // the child must still run, and the port must answer PING.
        while !answers_ping(port) {
            if let Ok(Some(status)) = redis.child.try_wait() {
                return Err(format!(
                    "redis-server exited ({status}) before listening on {port}"
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!("redis-server did not answer on port {port}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Ok(Some(status)) = redis.child.try_wait() {
            return Err(format!(
                "redis-server exited ({status}); port {port} is someone else's"
            ));
        }
        Ok(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes [`REVOKED`] revocations into the Redis at `url` with
/// `load-server preload`; returns how many keys the database holds.
fn preload(bin: &Path, url: &str) -> Result<u64, String> {
    let mut command = Command::new(bin.join("load-server"));
    command.args(["preload", url, &REVOKED.to_string()]);
    let keys: u64 = capture(&mut command)?
        .trim()
        .parse()
        .map_err(|e| format!("`{}`: {e}", display(&command)))?;
    if keys < REVOKED {
        return Err(format!("Redis holds {keys} keys, not {REVOKED}"));
    }
    Ok(keys)
}

/// The serde_json features the load crate's graph switches on, from
/// `cargo tree -e features -i serde_json`.
fn serde_json_features(ws: &Workspace, manifest: &str) -> Result<Vec<String>, String> {
    let tree = capture(&mut ws.cargo([
        "tree",
        "--manifest-path",
        manifest,
        "-e",
        "features",
        "-i",
        "serde_json",
    ]))?;
    let mut features: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split("serde_json feature \"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    features.sort();
    features.dedup();
    Ok(features)
}

/// What the run ran on.
struct Machine {
    date: String,
    cpu: String,
    cores: usize,
    rustc: String,
    load_before: String,
    load_after: String,
    pinned: bool,
    /// `name version` of the crates compared, from the load crate's lock.
    versions: Vec<String>,
    features: Vec<String>,
    /// Keys in Redis after the preload.
    preloaded: u64,
    /// Seconds of the build (nothing to do when it is up to date).
    built_s: f64,
    /// Seconds from the build's end to the tables.
    measured_s: f64,
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || "unknown CPU".to_owned(),
            |(_, model)| model.trim().to_owned(),
        )
}

/// `/proc/loadavg`'s 1, 5 and 15 minute averages.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `/proc/loadavg`'s 1 minute average (NaN when unreadable).
fn load_average_1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn first_line(command: &mut Command) -> String {
    command
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|text| text.lines().next().map(str::to_owned))
        .unwrap_or_default()
}

/// The locked versions of the crates the table compares.
fn versions(lock: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let wanted = [
        "axum",
        "axum-extra",
        "tower-sessions",
        "tower-sessions-cookie-store",
        "tower-cookies",
        "cookie",
        "hyper",
        "tokio",
        "serde_json",
        "redis",
    ];
    let mut found = Vec::new();
    for block in text.split("[[package]]") {
        let value = |key: &str| {
            block
                .lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix(" = \""))
                .map(|rest| rest.trim_end_matches('"').to_owned())
        };
        if let (Some(name), Some(version)) = (value("name"), value("version"))
            && wanted.contains(&name.as_str())
        {
            found.push(format!("{name} {version}"));
        }
    }
    found.sort();
    found
}

/// The medians of one cell over the rounds.
struct Cell {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    cpu_us: f64,
    /// The 1-minute load average before the runs.
    load1: f64,
    cookie_len: usize,
    cut: bool,
}

fn cell(runs: &[Run], slot: Slot, variant: usize) -> Cell {
    let matching = || {
        runs.iter()
            .filter(move |r| r.slot == slot && r.variant == variant)
    };
    let of = |f: fn(&Run) -> f64| {
        let mut values: Vec<f64> = matching().map(f).collect();
        median(&mut values)
    };
    Cell {
        rps: of(|r| r.result.rps),
        p50_us: of(|r| r.result.p50_us),
        p99_us: of(|r| r.result.p99_us),
        cpu_us: of(|r| r.result.cpu_us),
        load1: of(|r| r.load1),
        cookie_len: matching().map(|r| r.result.cookie_len).max().unwrap_or(0),
        cut: matching().any(|r| r.result.cut),
    }
}

/// The median over the rounds of `f(ours, theirs)`, both of one round.
fn ratio(
    runs: &[Run],
    slot: Slot,
    ours: usize,
    theirs: usize,
    f: fn(&Measured, &Measured) -> f64,
) -> f64 {
    median(&mut per_round(runs, slot, ours, theirs, f))
}

/// `f(ours, theirs)` of each round, both of one round.
fn per_round(
    runs: &[Run],
    slot: Slot,
    ours: usize,
    theirs: usize,
    f: fn(&Measured, &Measured) -> f64,
) -> Vec<f64> {
    (0..ROUNDS)
        .filter_map(|round| {
            let find = |variant: usize| {
                runs.iter()
                    .find(|r| r.round == round && r.slot == slot && r.variant == variant)
            };
            Some(f(&find(ours)?.result, &find(theirs)?.result))
        })
        .collect()
}

/// The server CPU per request `ours` takes over `theirs`, µs, as
/// `median ± spread`: the median over the rounds, and the median absolute
/// deviation of the rounds' values from it (how far a typical round
/// strayed: a difference smaller than that is not resolved).
fn difference(runs: &[Run], slot: Slot, ours: usize, theirs: usize) -> String {
    let mut values = per_round(runs, slot, ours, theirs, |a, b| a.cpu_us - b.cpu_us);
    let middle = median(&mut values);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - middle).abs()).collect();
    format!("{middle:.2} ± {:.2}", median(&mut deviations))
}

/// The server CPU per request a variant adds over the floor, µs.
fn over_floor(runs: &[Run], slot: Slot, variant: usize) -> String {
    difference(runs, slot, variant, FLOOR)
}

/// `1024 B` as `1 KiB`.
fn size_label(size: usize) -> String {
    if size.is_multiple_of(1024) {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// `benches/LOAD.md`.
fn report(runs: &[Run], m: &Machine) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Load test: sealed-session-tower and its peers\n");
    let _ = writeln!(
        s,
        "Recorded by `cargo xtask load` on {}: the build took {:.0} s, the measurements \
         {:.1} min ({} runs). One run: compare the differences and ratios, not absolute \
         numbers across runs or machines. Each cell is the median of {ROUNDS} interleaved \
         rounds, each difference or ratio the median of the {ROUNDS} rounds' values (so it \
         compares runs made minutes apart at most).\n",
        m.date,
        m.built_s,
        m.measured_s / 60.0,
        runs.len()
    );
    // The test's own server and generator keep the 1-minute load average
    // between 1 and 2 on two CPUs; more means other work ran beside it.
    let busiest = runs.iter().map(|r| r.load1).fold(0.0_f64, f64::max);
    let quiet = if busiest <= 2.5 {
        format!(
            "The machine was quiet: nothing but the test ran (its server and generator keep \
             the 1-minute load average near 1 to 2 on two CPUs; the highest read before a \
             run: {busiest:.2}). Every figure below has next to it the 1-minute load average \
             read before its runs (median over the rounds)."
        )
    } else {
        format!(
            "**The machine was not quiet**: other work shared its two CPUs (the 1-minute \
             load average read before a run reached {busiest:.2}; the test alone keeps it \
             near 1 to 2), so every figure below has next to it the 1-minute load average \
             read before its runs (median over the rounds); at a load over 2 the server \
             waited for a CPU now and then, which shows in req/s and p99 much more than in \
             server CPU per request."
        )
    };
    let _ = writeln!(
        s,
        "Machine: {}, {} CPUs; {}. Load average (1, 5, 15 min) {} before, {} after. \
         {quiet}\n",
        m.cpu, m.cores, m.rustc, m.load_before, m.load_after
    );
    let pinning = if m.pinned {
        "server pinned to CPU 0 and generator to CPU 1 with `taskset`"
    } else {
        "not pinned (no `taskset`, or one CPU)"
    };
    let _ = writeln!(
        s,
        "Setup: `benches/load` (its own workspace: each crate with its default features, as \
         an app adds it; tower-sessions-cookie-store with its `private` feature, the \
         encrypted cookies its README offers), release build. Server (`load-server`) and \
         generator (`load-gen`, hyper 1 over keep-alive connections) are separate processes \
         with one tokio worker thread each, {pinning}, on 127.0.0.1. Per run: a fresh \
         server, one `GET init` whose cookie every later request carries, {WARMUP} requests \
         of warm-up, then {REQUESTS} requests over {CONNECTIONS} connections, one in flight \
         on each, bounded by {SECONDS} s. p50/p99: nearest rank over every recorded \
         latency. Server CPU: the server's own CPU time (`/proc/self/task/*/schedstat`) over \
         the measured requests, divided by their number; what a session layer adds is that \
         minus the floor's, same shape, mode and size, same round. The floor's requests \
         carry our layer's cookie, unread, so that difference is the layer's own work and \
         not the transport of its cookie (`MemoryStore`'s cookie is 25 bytes: its \
         difference is low by the cost of receiving the rest, about 0.2 µs at 1 KiB).\n"
    );
    let _ = writeln!(
        s,
        "The Redis mode: our layer with `sealed-session-redis`'s `RedisRevocations` as its \
         revocation list, following a redis-server on 127.0.0.1 (started by the command, no \
         persistence) that holds {} keys: {REVOKED} revocations in REVOCATION.md's layout, \
         nine in ten session ids and one in ten subjects, written before the rounds. Each \
         server loads the whole list into its in-memory mirror before it takes requests and \
         follows the channel; every request's session (with an id and, in the app's \
         session, a subject) is looked up in the mirror, with no network call on the \
         request path. The app's session names its user as the subject in our two modes \
         (as a login does), so both lookups run.\n",
        m.preloaded
    );
    let _ = writeln!(s, "Versions: {}.\n", m.versions.join(", "));
    let forced: Vec<&String> = m
        .features
        .iter()
        .filter(|f| !["default", "std", "alloc", "raw_value"].contains(&f.as_str()))
        .collect();
    let _ = writeln!(
        s,
        "serde_json features in the load crate's graph (`cargo tree -e features -i \
         serde_json`): {}. {}\n",
        m.features.join(", "),
        if forced.is_empty() {
            "None that changes behaviour (`raw_value` comes from axum's default `json` \
             feature and only adds a type)."
                .to_owned()
        } else {
            format!("**Behaviour-changing features switched on: {forced:?}.**")
        }
    );

    let _ = writeln!(
        s,
        "## What each session layer adds: server CPU per request over the floor, and req/s\n"
    );
    let _ = writeln!(
        s,
        "`added µs/req`: the median over the rounds of (this layer's server CPU per request \
         − the floor's), ± the median absolute deviation of the rounds' differences (a \
         difference smaller than its ± is not resolved on this machine). `load`: the \
         1-minute load average before the runs of the figures left of it. The floor's row \
         gives its own server CPU per request, the base the others are measured from.\n"
    );
    for shape in &SHAPES {
        summary(&mut s, runs, shape);
    }

    let _ = writeln!(
        s,
        "## What the Redis-backed list adds to our layer\n\n\
         Server CPU per request of `ours + RedisRevocations` minus `ours` (the lookup in a \
         mirror of {REVOKED} entries, and the follower thread's share), same round, ± as \
         above. The lookup itself is one or two hash probes in memory; a difference within \
         its ± is not resolved by this test. `cargo bench -p sealed-session-redis --bench \
         check` times the check alone, with 0, 10k and 100k entries.\n"
    );
    let _ = writeln!(
        s,
        "| session | size | read µs/req | load | write µs/req | load |\n|---|---:|---:|---:|---:|---:|"
    );
    for (shape_index, shape) in SHAPES.iter().enumerate() {
        let short = if shape.prefix.is_empty() {
            "two keys"
        } else {
            "app's session"
        };
        for size in SIZES {
            let _ = write!(s, "| {short} | {} |", size_label(size));
            for mode in 0..MODES.len() {
                let slot = Slot {
                    shape: shape_index,
                    mode,
                    size,
                };
                let added = difference(runs, slot, REDIS, SEALED);
                let _ = write!(s, " {added} | {:.2} |", cell(runs, slot, REDIS).load1);
            }
            s.push('\n');
        }
    }
    s.push('\n');

    let _ = writeln!(s, "## Details: latency and server CPU per run\n");
    for (shape_index, shape) in SHAPES.iter().enumerate() {
        for (mode, (_, _, title)) in MODES.iter().enumerate() {
            details(&mut s, runs, shape_index, shape, mode, title);
        }
    }
    let _ = writeln!(
        s,
        "A p99 in the milliseconds is the machine, not the servers: when other work gets \
         CPU 0 for a scheduler slice, every request in flight waits. It moves req/s more \
         between rounds than the server's CPU time per request (which moves for all \
         variants of a round together), which is why the differences and ratios are taken \
         within a round.\n"
    );

    p8(&mut s, runs);
    goal(&mut s, runs);
    s
}

/// Issue 22's target P8, on the app's session: the layer's added server CPU
/// per request at most `MemoryStore`'s and at most half of
/// `PrivateCookieJar`'s, and req/s no lower than either's.
fn p8(s: &mut String, runs: &[Run]) {
    let _ = writeln!(
        s,
        "## P8: the layer's added CPU against `MemoryStore` and `PrivateCookieJar`\n\n\
         The app's session. \"added\": server CPU per request over the floor, µs, the \
         median over the rounds (as above); the ratios divide those medians. The target: \
         ours / `MemoryStore` ≤ 1 and ours / `PrivateCookieJar` ≤ 0.5 in added CPU, and \
         req/s (the median of the rounds' ratios) ≥ 1 against both.\n\n\
         | cell | ours added | `MemoryStore` added | `PrivateCookieJar` added | ours / \
         `MemoryStore` (≤ 1) | ours / `PrivateCookieJar` (≤ 0.5) | req/s against \
         `MemoryStore` | req/s against `PrivateCookieJar` | load |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut missed = Vec::new();
    for (mode, (_, route, _)) in MODES.iter().enumerate() {
        for size in SIZES {
            let slot = Slot {
                shape: 0,
                mode,
                size,
            };
            let added = |variant: usize| {
                median(&mut per_round(runs, slot, variant, FLOOR, |a, b| {
                    a.cpu_us - b.cpu_us
                }))
            };
            let (ours, memory, jar) = (added(SEALED), added(MEMORY), added(JAR));
            let rps = |peer: usize| ratio(runs, slot, SEALED, peer, |a, b| a.rps / b.rps);
            let (rps_memory, rps_jar) = (rps(MEMORY), rps(JAR));
            let name = format!("{route}, {}", size_label(size));
            for (met, what) in [
                (ours <= memory, "added CPU against `MemoryStore`"),
                (
                    ours <= jar / 2.0,
                    "added CPU against half of `PrivateCookieJar`'s",
                ),
                (rps_memory >= 1.0, "req/s against `MemoryStore`"),
                (rps_jar >= 1.0, "req/s against `PrivateCookieJar`"),
            ] {
                if !met {
                    missed.push(format!("{name}: {what}"));
                }
            }
            let _ = writeln!(
                s,
                "| {name} | {ours:.2} | {memory:.2} | {jar:.2} | {:.2} | {:.2} | {rps_memory:.2}× \
                 | {rps_jar:.2}× | {:.2} |",
                ours / memory,
                ours / jar,
                cell(runs, slot, SEALED).load1,
            );
        }
    }
    if missed.is_empty() {
        let _ = writeln!(s, "\nP8 met in every cell.\n");
    } else {
        let _ = writeln!(
            s,
            "\nP8 missed: {}. What stops it: the layer decrypts and authenticates the cookie \
             on every request and seals it again on every write, where `MemoryStore` looks \
             an id up in memory; the AES blocks alone of one open at 930 B are the EAX column \
             of `benches/RESULTS.md`, \"Open-time split\", and a write adds a seal of the same \
             size. A difference smaller than its ± in the tables above is not resolved by \
             this run.\n",
            missed.join("; ")
        );
    }
}

/// One shape's table of what each layer adds, read and write side by side.
fn summary(s: &mut String, runs: &[Run], shape: &Shape) {
    let shape_index = SHAPES
        .iter()
        .position(|candidate| candidate.prefix == shape.prefix)
        .unwrap_or(0);
    let _ = writeln!(s, "### {}\n", shape.title);
    let _ = writeln!(
        s,
        "| session | size | cookie (name=value) | read: added µs/req | read: req/s | load | \
         write: added µs/req | write: req/s | load |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for size in SIZES {
        for (variant, (_, label)) in VARIANTS.iter().enumerate() {
            let mut cookie_len = 0;
            let mut cells = String::new();
            for mode in 0..MODES.len() {
                let slot = Slot {
                    shape: shape_index,
                    mode,
                    size,
                };
                let c = cell(runs, slot, variant);
                cookie_len = cookie_len.max(c.cookie_len);
                let added = if variant == FLOOR {
                    format!("({:.2} in all)", c.cpu_us)
                } else {
                    over_floor(runs, slot, variant)
                };
                let cut = if c.cut { " (time-bounded)" } else { "" };
                let _ = write!(cells, " {added} | {:.0}{cut} | {:.2} |", c.rps, c.load1);
            }
            let _ = writeln!(
                s,
                "| {label} | {} | {} |{cells}",
                size_label(size),
                cookie(cookie_len)
            );
        }
    }
    s.push('\n');
}

fn cookie(len: usize) -> String {
    if len == 0 {
        "none".to_owned()
    } else {
        format!("{len} B")
    }
}

/// One shape and mode: every variant's latency and CPU.
fn details(
    s: &mut String,
    runs: &[Run],
    shape_index: usize,
    shape: &Shape,
    mode: usize,
    title: &str,
) {
    let short = if shape.prefix.is_empty() {
        "Two keys"
    } else {
        "App's session"
    };
    let _ = writeln!(s, "### {short}, {title}\n");
    let _ = writeln!(
        s,
        "| session | size | cookie (name=value) | req/s | p50 µs | p99 µs | server CPU µs/req | over the floor µs/req | load |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for size in SIZES {
        let slot = Slot {
            shape: shape_index,
            mode,
            size,
        };
        for (variant, (_, label)) in VARIANTS.iter().enumerate() {
            let c = cell(runs, slot, variant);
            let over = if variant == FLOOR {
                String::new()
            } else {
                over_floor(runs, slot, variant)
            };
            let cut = if c.cut { " (time-bounded)" } else { "" };
            let _ = writeln!(
                s,
                "| {label} | {} | {} | {:.0}{cut} | {:.1} | {:.1} | {:.2} | {over} | {:.2} |",
                size_label(size),
                cookie(c.cookie_len),
                c.rps,
                c.p50_us,
                c.p99_us,
                c.cpu_us,
                c.load1
            );
        }
    }
    s.push('\n');
}

/// The goal tables: ours against each peer, by measured req/s and by
/// requests per second of server CPU.
fn goal(s: &mut String, runs: &[Run]) {
    let _ = writeln!(
        s,
        "## The goal: at least the peers' throughput, at both sizes\n"
    );
    let _ = writeln!(
        s,
        "Two measures of throughput, ours (the plain layer) over theirs (≥ 1 meets the \
         goal): req/s as measured, and requests per second of server CPU (the inverse of \
         the CPU time per request: what one dedicated core would serve). On this shared \
         machine the second is the steadier. Each ratio is the median of the rounds' \
         ratios of the runs above; their load averages are given there.\n"
    );
    let mut missed = Vec::new();
    for (shape_index, shape) in SHAPES.iter().enumerate() {
        let short = if shape.prefix.is_empty() {
            "Two keys"
        } else {
            "App's session"
        };
        let _ = writeln!(s, "### {short}\n");
        let mut header = String::from("| ours / theirs |");
        let mut rule = String::from("|---|");
        for (_, route, _) in MODES {
            for size in SIZES {
                let _ = write!(header, " {route}, {} |", size_label(size));
                rule.push_str("---:|");
            }
        }
        let _ = writeln!(s, "{header}\n{rule}");
        for peer in PEERS {
            for measured in [true, false] {
                let label = if measured {
                    format!("req/s against {}", VARIANTS[peer].1)
                } else {
                    format!("req/s per CPU against {}", VARIANTS[peer].1)
                };
                let _ = write!(s, "| {label} |");
                for (mode, (_, route, _)) in MODES.iter().enumerate() {
                    for size in SIZES {
                        let slot = Slot {
                            shape: shape_index,
                            mode,
                            size,
                        };
                        let value = if measured {
                            ratio(runs, slot, SEALED, peer, |a, b| a.rps / b.rps)
                        } else {
                            ratio(runs, slot, SEALED, peer, |a, b| b.cpu_us / a.cpu_us)
                        };
                        if !measured && value < 1.0 {
                            missed.push(format!(
                                "{}, {route} {} against {}",
                                short.to_lowercase(),
                                size_label(size),
                                VARIANTS[peer].1
                            ));
                        }
                        let _ = write!(s, " {value:.2}× |");
                    }
                }
                s.push('\n');
            }
        }
        s.push('\n');
    }
    if missed.is_empty() {
        let _ = writeln!(s, "Goal met in every cell (by server CPU per request).");
    } else {
        let _ = writeln!(
            s,
            "Goal missed (by server CPU per request): {}. What limits the layer against \
             `MemoryStore`: it keeps each session in the server's memory and decrypts \
             nothing, while the layer opens the cookie on every request and seals it again \
             on every write; what one open costs, part by part (base64, EAX, the JSON \
             split), is in `benches/RESULTS.md`, \"Open-time split\".",
            missed.join("; ")
        );
    }
}
