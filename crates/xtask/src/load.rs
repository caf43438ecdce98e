//! `cargo xtask load`: the same tiny axum app with sealed-session-tower,
//! axum-extra's `PrivateCookieJar`, tower-sessions' `MemoryStore` and no
//! sessions at all (the floor), under load on loopback; one table,
//! recorded in `benches/LOAD.md`.
//!
//! The run, in order:
//! 1. builds `benches/load` (its own workspace: every crate built as its
//!    users build it) in release, into `<target>/load`, and records which
//!    serde_json features its graph switches on;
//! 2. [`ROUNDS`] rounds; each runs every (mode, size, variant) once, the
//!    variants in a rotated order. A run starts a fresh `load-server`
//!    pinned to CPU 0 and `load-gen` pinned to CPU 1 (`taskset`, when
//!    there are two CPUs and the tool): one `GET /init?size=N` whose
//!    cookie every later request carries, [`WARMUP`] requests unmeasured,
//!    then [`REQUESTS`] over [`CONNECTIONS`] keep-alive connections,
//!    bounded by [`SECONDS`];
//! 3. per cell, the median over the rounds; per ratio (ours against a
//!    peer, ours against the floor), the median of the rounds' ratios, so
//!    each ratio compares runs made minutes apart at most.

use core::fmt::Write as _;
use core::time::Duration;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use crate::bench::{capture, median, today};
use crate::portability::target_dir;
use crate::workspace::{Workspace, display, succeeds};

/// Rounds of every run; the tables give medians over them.
const ROUNDS: usize = 3;
/// Measured requests per run.
const REQUESTS: usize = 50_000;
/// Unmeasured requests before them, on the same connections.
const WARMUP: usize = 2_000;
/// Keep-alive connections per run (closed loop: one request in flight on each).
const CONNECTIONS: usize = 8;
/// Upper bound of a run's measured part, in seconds.
const SECONDS: usize = 30;
/// Session sizes: the bytes of the session's one string.
const SIZES: [usize; 2] = [64, 1024];

/// The four servers, as `load-server` names them, and how the table does.
const VARIANTS: [(&str, &str); 4] = [
    ("floor", "floor: no session layer"),
    ("sealed", "sealed-session-tower `SessionLayer`"),
    ("jar", "axum-extra `PrivateCookieJar` (JSON)"),
    ("memory", "tower-sessions `MemoryStore`"),
];

/// Read only and read-write: method, path, and how the table names them.
const MODES: [(&str, &str, &str); 2] = [
    (
        "GET",
        "/read",
        "read only: `GET /read` opens the session and reads it",
    ),
    (
        "POST",
        "/write",
        "read-write: `POST /write` opens the session, changes it and stores it again",
    ),
];

/// Runs the load test, prints the tables and writes `benches/LOAD.md`.
///
/// # Errors
///
/// When the build, a server or a generator fails, or a run's answers show
/// that its session did not open.
pub(crate) fn load(ws: &Workspace) -> Result<(), String> {
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
    let load_before = load_average();

    let mut runs = Vec::new();
    for round in 0..ROUNDS {
        println!("\n==> round {} of {ROUNDS}", round + 1);
        for (mode, _) in MODES.iter().enumerate() {
            for size in SIZES {
                for offset in 0..VARIANTS.len() {
                    let variant = (offset + round) % VARIANTS.len();
                    let run = Run {
                        round,
                        mode,
                        size,
                        variant,
                        result: measure(&bin, pinned, mode, size, variant)?,
                    };
                    println!(
                        "  {:<6} {:>5} {:<5} B  {:>7.0} req/s  p50 {:>7.1} µs  p99 {:>8.1} µs  \
                         server {:>6.2} µs/req",
                        VARIANTS[variant].0,
                        MODES[mode].0,
                        size,
                        run.result.rps,
                        run.result.p50_us,
                        run.result.p99_us,
                        run.result.cpu_us
                    );
                    runs.push(run);
                }
            }
        }
    }

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
    };
    let report = report(&runs, &machine);
    print!("\n{report}");
    let path = ws.root.join("benches").join("LOAD.md");
    std::fs::write(&path, report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nwritten to {}", path.display());
    Ok(())
}

/// One measured run.
struct Run {
    round: usize,
    /// Index into [`MODES`].
    mode: usize,
    size: usize,
    /// Index into [`VARIANTS`].
    variant: usize,
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
/// checks that the session really was opened (the blob's length came
/// back) or stored again (a `Set-Cookie`).
fn measure(
    bin: &Path,
    pinned: bool,
    mode: usize,
    size: usize,
    variant: usize,
) -> Result<Measured, String> {
    let (name, _) = VARIANTS[variant];
    let (method, path, _) = MODES[mode];
    let server = Server::start(&bin.join("load-server"), name, pinned)?;
    let mut generator = pinned_command(&bin.join("load-gen"), pinned, "1");
    generator.args([
        server.port.to_string(),
        method.to_owned(),
        path.to_owned(),
        REQUESTS.to_string(),
        CONNECTIONS.to_string(),
        WARMUP.to_string(),
        SECONDS.to_string(),
        format!("/init?size={size}"),
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
    let session = name != "floor";
    let expected_body = if mode == 0 && session {
        Some(size.to_string())
    } else {
        None
    };
    if errors > 0.0 {
        return Err(format!("{name} {method} {path}: {errors} errors: {line}"));
    }
    if let Some(expected) = expected_body
        && field("first_body")? != expected
    {
        return Err(format!(
            "{name} {method} {path}: the session did not open (body {}, expected {expected})",
            field("first_body")?
        ));
    }
    if mode == 1 && session && field("first_set_cookies")? != "1" {
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
    fn start(program: &Path, variant: &str, pinned: bool) -> Result<Self, String> {
        let mut command = pinned_command(program, pinned, "0");
        command
            .arg(variant)
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
        let port = receiver
            .recv_timeout(Duration::from_secs(10))
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
        "cookie",
        "hyper",
        "tokio",
        "serde_json",
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
    cookie_len: usize,
    cut: bool,
}

fn cell(runs: &[Run], mode: usize, size: usize, variant: usize) -> Cell {
    let of = |f: fn(&Measured) -> f64| {
        let mut values: Vec<f64> = runs
            .iter()
            .filter(|r| r.mode == mode && r.size == size && r.variant == variant)
            .map(|r| f(&r.result))
            .collect();
        median(&mut values)
    };
    let matching = || {
        runs.iter()
            .filter(move |r| r.mode == mode && r.size == size && r.variant == variant)
    };
    Cell {
        rps: of(|m| m.rps),
        p50_us: of(|m| m.p50_us),
        p99_us: of(|m| m.p99_us),
        cpu_us: of(|m| m.cpu_us),
        cookie_len: matching().map(|r| r.result.cookie_len).max().unwrap_or(0),
        cut: matching().any(|r| r.result.cut),
    }
}

/// The median over the rounds of `f(ours, theirs)`, both of one round.
fn ratio(
    runs: &[Run],
    mode: usize,
    size: usize,
    ours: usize,
    theirs: usize,
    f: fn(&Measured, &Measured) -> f64,
) -> f64 {
    let mut values: Vec<f64> = (0..ROUNDS)
        .filter_map(|round| {
            let find = |variant: usize| {
                runs.iter().find(|r| {
                    r.round == round && r.mode == mode && r.size == size && r.variant == variant
                })
            };
            Some(f(&find(ours)?.result, &find(theirs)?.result))
        })
        .collect();
    median(&mut values)
}

/// `benches/LOAD.md`.
fn report(runs: &[Run], m: &Machine) -> String {
    let (floor, sealed, jar, memory) = (0, 1, 2, 3);
    let mut s = String::new();
    let _ = writeln!(s, "# Load test: sealed-session-tower and its peers\n");
    let _ = writeln!(
        s,
        "Recorded by `cargo xtask load` on {}. One run: compare the ratios, not absolute \
         numbers across runs or machines. The machine is shared with other work, so the \
         numbers move from run to run; each cell is the median of {ROUNDS} interleaved \
         rounds, each ratio the median of the {ROUNDS} rounds' ratios.\n",
        m.date
    );
    let _ = writeln!(
        s,
        "Machine: {}, {} CPUs; {}. Load average (1, 5, 15 min) {} before, {} after.\n",
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
         an app adds it), release build. Server (`load-server`) and generator (`load-gen`, \
         hyper 1 over keep-alive connections) are separate processes with one tokio worker \
         thread each, {pinning}, on 127.0.0.1. Per run: a fresh server, one `GET /init` \
         whose cookie every later request carries (the session of the size shown: a string \
         of that many bytes plus a counter), {WARMUP} requests of warm-up, then {REQUESTS} \
         requests over {CONNECTIONS} connections, one in flight on each, bounded by \
         {SECONDS} s. p50/p99: nearest rank over every recorded latency. Server CPU: the \
         server's own CPU time (`/proc/self/task/*/schedstat`) over the measured requests, \
         divided by their number; the layer's cost is that minus the floor's, same mode, \
         same round. The floor's requests carry the sealed way's cookie, unread, so that \
         difference is the layer's own work and not the transport of its cookie \
         (`MemoryStore`'s cookie is 25 bytes: its difference is low by the cost of \
         receiving the rest, about 0.2 µs at 1 KiB).\n"
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

    for (mode, (_, _, title)) in MODES.iter().enumerate() {
        let _ = writeln!(s, "### {}\n", capitalize(title));
        let _ = writeln!(
            s,
            "| session | size | cookie (name=value) | req/s | p50 µs | p99 µs | server CPU µs/req | over the floor µs/req |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
        for size in SIZES {
            for (variant, (_, label)) in VARIANTS.iter().enumerate() {
                let c = cell(runs, mode, size, variant);
                let over = if variant == floor {
                    "".to_owned()
                } else {
                    format!(
                        "{:.2}",
                        ratio(runs, mode, size, variant, floor, |a, b| a.cpu_us - b.cpu_us)
                    )
                };
                let cookie = if c.cookie_len == 0 {
                    "none".to_owned()
                } else {
                    format!("{} B", c.cookie_len)
                };
                let cut = if c.cut { " (time-bounded)" } else { "" };
                let _ = writeln!(
                    s,
                    "| {label} | {size} B | {cookie} | {:.0}{cut} | {:.1} | {:.1} | {:.2} | {over} |",
                    c.rps, c.p50_us, c.p99_us, c.cpu_us
                );
            }
        }
        s.push('\n');
    }

    let _ = writeln!(
        s,
        "p99 of about 4 ms and more is the machine, not the servers: other work gets CPU 0 \
         for a scheduler slice now and then, and every request in flight waits. It moves \
         req/s by up to 3× between rounds; the server's CPU time per request moves much \
         less (up to ±20 %, for all variants of a round together), which is why the ratios \
         are taken within a round.\n"
    );

    let _ = writeln!(
        s,
        "### The goal: at least the peers' throughput, at both sizes\n"
    );
    let _ = writeln!(
        s,
        "Two measures of throughput, ours over theirs (≥ 1 meets the goal): req/s as \
         measured, and requests per second of server CPU (the inverse of the CPU time per \
         request: what one dedicated core would serve). On this shared machine the second \
         is the steadier.\n"
    );
    let mut header = String::from("| ours / theirs |");
    let mut rule = String::from("|---|");
    for (_, path, _) in MODES {
        for size in SIZES {
            let _ = write!(header, " {path}, {size} B |");
            rule.push_str("---:|");
        }
    }
    let _ = writeln!(s, "{header}\n{rule}");
    let rows: [(&str, usize, bool); 4] = [
        ("req/s against `PrivateCookieJar`", jar, true),
        ("req/s per CPU against `PrivateCookieJar`", jar, false),
        ("req/s against `MemoryStore`", memory, true),
        ("req/s per CPU against `MemoryStore`", memory, false),
    ];
    let mut missed = Vec::new();
    for (label, peer, measured) in rows {
        let _ = write!(s, "| {label} |");
        for (mode, (_, path, _)) in MODES.iter().enumerate() {
            for size in SIZES {
                let value = if measured {
                    ratio(runs, mode, size, sealed, peer, |a, b| a.rps / b.rps)
                } else {
                    ratio(runs, mode, size, sealed, peer, |a, b| b.cpu_us / a.cpu_us)
                };
                if !measured && value < 1.0 {
                    missed.push(format!("{path} {size} B against {}", VARIANTS[peer].1));
                }
                let _ = write!(s, " {value:.2}× |");
            }
        }
        s.push('\n');
    }
    s.push('\n');
    if missed.is_empty() {
        let _ = writeln!(s, "Goal met in every cell (by server CPU per request).");
    } else {
        let _ = writeln!(
            s,
            "Goal missed (by server CPU per request): {}. What limits the layer: \
             `MemoryStore` keeps each session in the server's memory and decrypts nothing, \
             while the layer opens the cookie on every request and seals it again on every \
             write; what one open costs, part by part (base64, EAX, the JSON split), is in \
             `benches/RESULTS.md`, \"Open-time split\".",
            missed.join("; ")
        );
    }
    s
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
