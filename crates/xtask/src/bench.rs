//! `cargo xtask bench`: sealed-session against its peers and the AES-NI
//! floor in one run, as one table, recorded in `benches/RESULTS.md`.
//!
//! The run, in order:
//! 1. `cargo tree` records which serde_json features the benches' build
//!    turns on (the `cookie` and Fernet peers must parse JSON as their
//!    users' builds do: no `arbitrary_precision`, no `preserve_order`);
//! 2. `bench-facts` (benches crate) writes the payloads and the cookie
//!    lengths and compressed sizes into `<target>/bench/`;
//! 3. `tests/python/bench_python.py` times the Python package's format in
//!    the venv on the same payloads;
//! 4. the nonce sources (`nonce/*`), then size by size: `openssl speed
//!    -evp aes-256-ctr` and `aes-256-cbc` give the floor of EAX, CTR(n) +
//!    CBC(n), CBC standing in for CMAC; then the criterion suite
//!    `benches/benches/sealed_session.rs` times everything else at that
//!    size. Medians are read from criterion's `<id>/new/estimates.json`,
//!    never from its text output. The load average is sampled before and
//!    after every step, and the report says how loaded the machine was.
//!
//! Every ratio in the tables is between figures of this one run.

use core::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::python::ensure_python_venv;
use crate::workspace::{Workspace, display};

/// Payload sizes, as the benches crate defines them (`SIZES`).
const SIZES: [usize; 5] = [64, 930, 1060, 4096, 16384];

/// Runs of `openssl speed` per mode and size; the median is kept.
const OPENSSL_RUNS: usize = 3;

/// The command line of `cargo xtask bench [--no-run]`.
pub(crate) struct BenchArgs {
    /// Measure (false: tabulate the previous run's results again).
    run: bool,
}

impl BenchArgs {
    /// Parses the arguments after `bench`.
    ///
    /// # Errors
    ///
    /// On anything but `--no-run`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        match args {
            [] => Ok(Self { run: true }),
            [flag] if flag == "--no-run" => Ok(Self { run: false }),
            _ => Err(format!("unknown bench arguments: {}", args.join(" "))),
        }
    }
}

/// Runs the benchmarks, prints the tables and writes `benches/RESULTS.md`.
///
/// # Errors
///
/// When a step fails to run or its output cannot be read.
pub(crate) fn bench(ws: &Workspace, args: &BenchArgs) -> Result<(), String> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ws.root.join("target"), PathBuf::from);
    let out = target.join("bench");
    let criterion_home = target.join("criterion");
    if args.run {
        measure(ws, &out, &criterion_home)?;
    } else if !out.join(SERDE_JSON_TREE).exists() {
        // A run recorded before this check existed: the current build's.
        write(
            &out.join(SERDE_JSON_TREE),
            &capture(&mut serde_json_tree(ws))?,
        )?;
    }
    let results = Results::read(&out, &criterion_home)?;
    let machine = Machine::probe(&results);
    let report = report(&results, &machine);
    print!("{report}");
    let path = ws.root.join("benches").join("RESULTS.md");
    let python_package = fs::read_to_string(out.join(PYTHON_PACKAGE))
        .unwrap_or_else(|_| "(not measured in this run)\n".to_owned());
    print!("{python_package}");
    fs::write(&path, results_md(&report, &machine, &python_package))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nwritten to {}", path.display());
    Ok(())
}

/// The steps of the module docs.
fn measure(ws: &Workspace, out: &Path, criterion_home: &Path) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut load = LoadLog::default();
    load.sample("start");
    write(
        &out.join(SERDE_JSON_TREE),
        &capture(&mut serde_json_tree(ws))?,
    )?;

    let out_arg = out.display().to_string();
    ws.run_cargo(&[
        "run",
        "--release",
        "--quiet",
        "-p",
        "sealed-session-benches",
        "--bin",
        "bench-facts",
        "--",
        &out_arg,
    ])?;

    let python = ensure_python_venv(ws)?;
    let mut command = Command::new(&python);
    command
        .arg(ws.root.join("tests").join("python").join("bench_python.py"))
        .arg(out.join("payloads.json"))
        .current_dir(&ws.root);
    let python_json = capture(&mut command)?;
    write(&out.join("python.json"), &python_json)?;

    load.sample("python");

    // The Python package (a release wheel) against EncryptedSession and
    // Flask's default cookie, from Python, and Flask requests/s: its table
    // goes into RESULTS.md as it prints it.
    let mut wheel = Command::new("bash");
    wheel
        .arg(ws.root.join("crates/sealed-session-py/ci.sh"))
        .arg("--release")
        .current_dir(&ws.root);
    ws.run(&mut wheel)?;
    let mut package = Command::new(&python);
    package
        .arg(
            ws.root
                .join("crates/sealed-session-py/bench/bench_python_package.py"),
        )
        .current_dir(&ws.root);
    write(&out.join(PYTHON_PACKAGE), &capture(&mut package)?)?;
    load.sample("python package");

    let bench = |filter: &str| {
        let mut command = ws.cargo([
            "bench",
            "-p",
            "sealed-session-benches",
            "--bench",
            "sealed_session",
            "--",
            filter,
        ]);
        command.env("CRITERION_HOME", criterion_home);
        ws.run(&mut command)
    };
    bench("^nonce/")?;
    load.sample("nonce");

    // Size by size, the floor and then every criterion benchmark of that
    // size, so that what a ratio compares is measured within a minute or
    // two, under the same load.
    let mut floor = String::from("{");
    for (index, size) in SIZES.iter().enumerate() {
        let ctr = openssl_us(ws, "aes-256-ctr", *size)?;
        let cbc = openssl_us(ws, "aes-256-cbc", *size)?;
        let comma = if index == 0 { "" } else { "," };
        let _ = write!(floor, "{comma}\"{size}\":{{\"ctr\":{ctr},\"cbc\":{cbc}}}");
        bench(&format!("/{size}$"))?;
        load.sample(&size_label(*size));
    }
    floor.push('}');
    write(&out.join("openssl.json"), &floor)?;

    cpu_cross_check(ws, out)?;
    load.sample("cross-check");
    write(&out.join(LOAD_FILE), &load.to_json())
}

/// The CPU-time cross-check of P3 and P4: `bench-profile` runs each std
/// subject and its `cookie` crate peer alternately, [`CPU_ROUNDS`] times,
/// and reports the process CPU time per operation; the medians go to
/// `cpu.json` as `{"<subject>/<size>": ns}`.
fn cpu_cross_check(ws: &Workspace, out: &Path) -> Result<(), String> {
    ws.run_cargo(&[
        "build",
        "--release",
        "--quiet",
        "-p",
        "sealed-session-benches",
        "--bin",
        "bench-profile",
    ])?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ws.root.join("target"), PathBuf::from);
    let profile = target.join("release").join("bench-profile");
    let mut samples: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..CPU_ROUNDS {
        for (ours, peer, size, iterations) in CPU_CHECKS {
            for subject in [Some(ours), peer].into_iter().flatten() {
                let mut command = Command::new(&profile);
                command.args([subject, &size.to_string(), &iterations.to_string()]);
                let output = capture(&mut command)?;
                let ns = Json::parse(output.trim())
                    .ok()
                    .and_then(|json| json.get("cpu_ns")?.num())
                    .ok_or_else(|| format!("bench-profile printed no cpu_ns: {output}"))?;
                let key = format!("{subject}/{size}");
                match samples.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, values)) => values.push(ns),
                    None => samples.push((key, vec![ns])),
                }
            }
        }
    }
    let medians: Vec<String> = samples
        .iter_mut()
        .map(|(key, values)| format!("\"{key}\":{}", median(values)))
        .collect();
    write(&out.join(CPU_FILE), &format!("{{{}}}", medians.join(",")))
}

/// Rounds of the CPU-time cross-check.
const CPU_ROUNDS: usize = 7;

/// The CPU-time cross-check: std subject, its `cookie` crate peer (none:
/// Python only, P3 at 4 KiB), payload size, iterations per run (about a
/// fifth of a second each).
const CPU_CHECKS: [(&str, Option<&str>, usize, usize); 6] = [
    ("seal", Some("cookie_seal"), 64, 200_000),
    ("open", Some("cookie_open"), 64, 200_000),
    ("seal", Some("cookie_seal"), 930, 50_000),
    ("open", Some("cookie_open"), 930, 40_000),
    ("seal_z", None, 4096, 10_000),
    ("open_z", None, 4096, 10_000),
];

/// The medians of the CPU-time cross-check.
const CPU_FILE: &str = "cpu.json";

/// The output of `cargo tree -e features -i serde_json` for the benches.
const SERDE_JSON_TREE: &str = "serde_json-features.txt";

/// `cargo tree -e features -i serde_json -p sealed-session-benches`: who
/// turns on which serde_json feature in the benches' build (dev
/// dependencies included).
fn serde_json_tree(ws: &Workspace) -> Command {
    ws.cargo([
        "tree",
        "-e",
        "features",
        "-i",
        "serde_json",
        "-p",
        "sealed-session-benches",
    ])
}

/// The load averages sampled during the run.
const LOAD_FILE: &str = "load.json";

/// serde_json features that change how JSON parses or compares elsewhere in
/// a build (and `arbitrary_precision`/`preserve_order` roughly double parse
/// time): none may be on in the benches' build, or the peers would not be
/// measured as their users build them.
const BEHAVIOUR_CHANGING: [&str; 4] = [
    "arbitrary_precision",
    "preserve_order",
    "float_roundtrip",
    "unbounded_depth",
];

/// `/proc/loadavg` samples, labelled by the step they follow.
#[derive(Default)]
struct LoadLog(Vec<(String, [f64; 3])>);

impl LoadLog {
    fn sample(&mut self, label: &str) {
        if let Some(load) = load_average() {
            self.0.push((label.to_owned(), load));
        }
    }

    fn to_json(&self) -> String {
        let samples: Vec<String> = self
            .0
            .iter()
            .map(|(label, [one, five, fifteen])| {
                format!("{{\"at\":\"{label}\",\"load\":[{one},{five},{fifteen}]}}")
            })
            .collect();
        format!("{{\"samples\":[{}]}}", samples.join(","))
    }
}

/// The 1-, 5- and 15-minute load averages.
fn load_average() -> Option<[f64; 3]> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some([
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ])
}

/// Median microseconds per operation of `openssl speed -evp <cipher>` on
/// `size`-byte buffers, over [`OPENSSL_RUNS`] one-second runs, in
/// wall-clock time (`-elapsed`) like criterion, so that a busy machine
/// slows the floor as it slows everything else.
fn openssl_us(ws: &Workspace, cipher: &str, size: usize) -> Result<f64, String> {
    let mut runs = Vec::new();
    for _ in 0..OPENSSL_RUNS {
        let mut command = Command::new("openssl");
        let bytes = size.to_string();
        command
            .args([
                "speed", "-mr", "-elapsed", "-seconds", "1", "-bytes", &bytes, "-evp", cipher,
            ])
            .current_dir(&ws.root);
        println!("$ {}", display(&command));
        let output = command
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", display(&command)))?;
        // `+R:<count>:<name>:<seconds>`, on standard error.
        let output = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        let parsed = output.lines().find_map(|line| {
            let mut fields = line.strip_prefix("+R:")?.split(':');
            let count: f64 = fields.next()?.parse().ok()?;
            let seconds: f64 = fields.nth(1)?.parse().ok()?;
            (count > 0.0).then(|| seconds / count * 1e6)
        });
        runs.push(parsed.ok_or_else(|| format!("no +R line from openssl speed: {output}"))?);
    }
    Ok(median(&mut runs))
}

/// Runs `command`, returning its standard output; standard error passes
/// through.
pub(crate) fn capture(command: &mut Command) -> Result<String, String> {
    println!("$ {}", display(command));
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", display(command)))?;
    if !output.status.success() {
        return Err(format!("`{}` failed: {}", display(command), output.status));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("`{}`: output not UTF-8", display(command)))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn read_json(path: &Path) -> Result<Json, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Json::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.is_empty() {
        f64::NAN
    } else if values.len() % 2 == 1 {
        values[mid]
    } else {
        f64::midpoint(values[mid - 1], values[mid])
    }
}

/// Seal or open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Seal,
    Open,
}

impl Op {
    const BOTH: [Self; 2] = [Self::Seal, Self::Open];

    const fn name(self) -> &'static str {
        match self {
            Self::Seal => "seal",
            Self::Open => "open",
        }
    }
}

/// Everything one run measured.
struct Results {
    criterion_home: PathBuf,
    facts: Json,
    python: Json,
    openssl: Json,
    /// `cargo tree -e features -i serde_json` of the benches.
    serde_json_tree: String,
    /// `{"samples": [{"at": step, "load": [1, 5, 15 min]}]}`, if recorded.
    load: Option<Json>,
    /// `{"<bench-profile subject>/<size>": CPU ns per operation}`, if
    /// recorded.
    cpu: Option<Json>,
}

impl Results {
    fn read(out: &Path, criterion_home: &Path) -> Result<Self, String> {
        let tree = out.join(SERDE_JSON_TREE);
        Ok(Self {
            criterion_home: criterion_home.to_path_buf(),
            facts: read_json(&out.join("facts.json"))?,
            python: read_json(&out.join("python.json"))?,
            openssl: read_json(&out.join("openssl.json"))?,
            serde_json_tree: fs::read_to_string(&tree)
                .map_err(|e| format!("cannot read {}: {e}", tree.display()))?,
            load: read_json(&out.join(LOAD_FILE)).ok(),
            cpu: read_json(&out.join(CPU_FILE)).ok(),
        })
    }

    /// CPU-time median of a `bench-profile` subject, in microseconds.
    fn cpu_us(&self, subject: &str, size: usize) -> Option<f64> {
        Some(
            self.cpu
                .as_ref()?
                .get(&format!("{subject}/{size}"))?
                .num()?
                / 1000.0,
        )
    }

    /// Python's CPU-time median for `op` at `size`, in microseconds.
    fn python_cpu_us(&self, op: Op, size: usize) -> Option<f64> {
        let key = if op == Op::Seal {
            "seal_cpu_us"
        } else {
            "open_cpu_us"
        };
        self.python
            .get("sizes")?
            .get(&size.to_string())?
            .get(key)?
            .num()
    }

    /// The serde_json features `cargo tree` listed, sorted.
    fn serde_json_features(&self) -> Vec<String> {
        let mut features: Vec<String> = self
            .serde_json_tree
            .lines()
            .filter_map(|line| {
                let rest = line.split("serde_json feature \"").nth(1)?;
                Some(rest.split('"').next()?.to_owned())
            })
            .collect();
        features.sort();
        features.dedup();
        features
    }

    /// Whether a std format's cookie fits in 4096 bytes (`None` for other
    /// formats).
    fn fits(&self, size: usize, format: &str) -> Option<bool> {
        match self
            .facts
            .get("lengths")?
            .get(&size.to_string())?
            .get(&format!("{format}_fits"))?
        {
            Json::Bool(fits) => Some(*fits),
            _ => None,
        }
    }

    /// Whether `subject` is a std codec row whose cookie at `size` does
    /// not fit.
    fn too_large(&self, subject: Subject, size: usize) -> bool {
        subject
            .std_format()
            .is_some_and(|format| self.fits(size, format) == Some(false))
    }

    /// Criterion's median for `<group>/<function>/<size>`, in microseconds.
    fn criterion(&self, group: &str, function: &str, size: usize) -> Option<f64> {
        let path = self
            .criterion_home
            .join(group)
            .join(function)
            .join(size.to_string())
            .join("new")
            .join("estimates.json");
        let estimates = read_json(&path).ok()?;
        Some(estimates.get("median")?.get("point_estimate")?.num()? / 1000.0)
    }

    /// A subject's median for `op` at `size`, in microseconds.
    fn median(&self, subject: Subject, op: Op, size: usize) -> Option<f64> {
        match subject {
            Subject::Criterion(group) => self.criterion(group, op.name(), size),
            Subject::Python => {
                let key = if op == Op::Seal { "seal_us" } else { "open_us" };
                self.python
                    .get("sizes")?
                    .get(&size.to_string())?
                    .get(key)?
                    .num()
            }
            Subject::Floor => {
                let at = self.openssl.get(&size.to_string())?;
                Some(at.get("ctr")?.num()? + at.get("cbc")?.num()?)
            }
        }
    }

    /// A cookie length from `facts.json` (`None` when absent or null).
    fn length(&self, size: usize, format: &str) -> Option<f64> {
        self.facts
            .get("lengths")?
            .get(&size.to_string())?
            .get(format)?
            .num()
    }

    fn python_length(&self, size: usize) -> Option<f64> {
        self.python
            .get("sizes")?
            .get(&size.to_string())?
            .get("cookie_len")?
            .num()
    }

    fn deflated(&self, size: usize, config: &str) -> Option<f64> {
        self.facts
            .get("deflate")?
            .get(&size.to_string())?
            .get(config)?
            .num()
    }
}

/// Who is measured.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// A criterion group of the benches crate.
    Criterion(&'static str),
    /// `tests/python/bench_python.py`.
    Python,
    /// openssl CTR + CBC.
    Floor,
}

impl Subject {
    /// The cookie-length format of a std codec row: its cells say "does
    /// not fit" where the cookie would exceed 4096 bytes.
    fn std_format(self) -> Option<&'static str> {
        match self {
            Self::Criterion("session") => Some("session"),
            Self::Criterion("session_z") => Some("session_z"),
            Self::Criterion("session_typed") => Some("typed"),
            _ => None,
        }
    }
}

const CORE: Subject = Subject::Criterion("core_buf");
const SESSION: Subject = Subject::Criterion("session");
const SESSION_Z: Subject = Subject::Criterion("session_z");
const TYPED: Subject = Subject::Criterion("session_typed");
const EAX_CRATE: Subject = Subject::Criterion("eax_crate");
const EAX_OURS: Subject = Subject::Criterion("eax_ours");
const COOKIE: Subject = Subject::Criterion("cookie");

/// Rows of the timing table: label and subject.
const ROWS: [(&str, Subject); 16] = [
    (
        "core `Codec::seal`/`open` (buffers, never compressed)",
        CORE,
    ),
    (
        "core `seal_to_string`/`open_to_vec` (never compress: the default)",
        Subject::Criterion("core_alloc"),
    ),
    (
        "core `seal_to_string`/`open_to_vec`, compress > 1024 B (opt-in)",
        Subject::Criterion("core_alloc_z"),
    ),
    (
        "std `SessionCodec::seal`/`open`, defaults (`OsRandom`, `SystemClock`; metadata and JSON included)",
        SESSION,
    ),
    (
        "std `SessionCodec` with `compression(Compression::Above(1024))`",
        SESSION_Z,
    ),
    (
        "std typed session `seal_typed`/`open_typed` (postcard), defaults",
        TYPED,
    ),
    (
        "std JSON alone: `Session::to_json_string`/`from_json`",
        Subject::Criterion("session_json"),
    ),
    (
        "serde_json alone: `to_vec`/`from_slice` into a `Map`",
        Subject::Criterion("serde_json"),
    ),
    ("our EAX alone (key expanded per call)", EAX_OURS),
    ("raw `eax` crate `Eax<Aes256>`", EAX_CRATE),
    ("AES-NI floor for EAX: openssl CTR + CBC", Subject::Floor),
    (
        "base64ct encode / decode in 256-character chunks (as the core)",
        Subject::Criterion("base64ct"),
    ),
    (
        "base64ct decode of the whole text in one call",
        Subject::Criterion("base64ct_whole"),
    ),
    ("`cookie` crate `PrivateJar` + serde_json", COOKIE),
    (
        "`fernet` crate (RustCrypto) + serde_json",
        Subject::Criterion("fernet"),
    ),
    ("Python package format, pycryptodome", Subject::Python),
];

/// The compression configurations of the table, as the benches crate names
/// them, with `core` (what the core does now) first.
const DEFLATE_CONFIGS: [&str; 15] = [
    "core",
    "l1-reused",
    "l4-reused",
    "l6-reused",
    "l1",
    "l2",
    "l3",
    "l4",
    "l5",
    "l6",
    "l9",
    "l1-filtered",
    "l1-rle",
    "l1-fixed",
    "l1-huffman",
];

/// The nonce sources of `nonce/<id>/16`: id and label.
const NONCES: [(&str, &str); 4] = [
    (
        "os_random",
        "`OsRandom`: thread-local ChaCha20 + a `getpid` check per draw (the std default, fork-safe)",
    ),
    (
        "getrandom",
        "one `getrandom::fill` per draw (a system call here; fork-safe)",
    ),
    (
        "chacha20_tls",
        "thread-local ChaCha20 without the check (the old `OsNonce`; **not** fork-safe), reference",
    ),
    (
        "getpid",
        "`std::process::id()` alone: the check's system call",
    ),
];

/// The open-time split of the last run before the std redesign (recorded
/// in `benches/RESULTS.md` on 2026-11-22, at commit 5f66ca9), µs: session
/// open, core `open_to_vec`, base64 (chunked) and our EAX alone on that
/// cookie where measured, inflate, and the JSON parse (`Session::from_json`,
/// then a full parse under serde_json's `arbitrary_precision` and
/// `preserve_order`). The 4 KiB cookie was compressed (the old default), and
/// base64 and EAX were then timed only on the uncompressed envelope.
const SPLIT_BEFORE: [(usize, [Option<f64>; 6]); 2] = [
    (
        930,
        [
            Some(7.81),
            Some(1.75),
            Some(0.72),
            Some(1.39),
            None,
            Some(5.94),
        ],
    ),
    (
        4096,
        [Some(40.7), Some(7.80), None, None, Some(5.53), Some(34.0)],
    ),
];

/// The report: tables and targets, as Markdown.
fn report(r: &Results, machine: &Machine) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Machine: {}\n", machine.summary());
    let _ = writeln!(s, "Load: {}\n", machine.load);
    timing_table(&mut s, r);
    ratio_table(&mut s, r);
    cpu_table(&mut s, r);
    nonce_table(&mut s, r);
    open_split_table(&mut s, r);
    length_table(&mut s, r);
    compression_table(&mut s, r);
    serde_json_features(&mut s, r);
    targets(&mut s, r);
    s
}

fn header(s: &mut String, first: &str) {
    let _ = write!(s, "| {first} |");
    for size in SIZES {
        let _ = write!(s, " {} |", size_label(size));
    }
    let _ = write!(s, "\n|---|");
    for _ in SIZES {
        s.push_str("---:|");
    }
    s.push('\n');
}

fn size_label(size: usize) -> String {
    match size {
        4096 => "4 KiB".to_owned(),
        16384 => "16 KiB".to_owned(),
        _ => format!("{size} B"),
    }
}

const DOES_NOT_FIT: &str = "does not fit";

fn timing_table(s: &mut String, r: &Results) {
    s.push_str("### Medians, µs per seal / open\n\n");
    header(s, "subject");
    for (label, subject) in &ROWS {
        let _ = write!(s, "| {label} |");
        for size in SIZES {
            let seal = r.median(*subject, Op::Seal, size);
            let open = r.median(*subject, Op::Open, size);
            if r.too_large(*subject, size) {
                let _ = write!(s, " {DOES_NOT_FIT} |");
                continue;
            }
            match (subject, seal) {
                (Subject::Floor, Some(floor)) => {
                    let _ = write!(s, " {} |", us(floor));
                }
                _ => {
                    let _ = write!(s, " {} / {} |", opt_us(seal), opt_us(open));
                }
            }
        }
        s.push('\n');
    }
    s.push_str(
        "\nFloor: `openssl speed -evp aes-256-ctr` plus `aes-256-cbc` at `-bytes N` (wall-clock \
         time, median of 3 one-second runs); serial CBC stands in for CMAC. \
         \"does not fit\": the std codec refuses the cookie, whose name (`__Host-session`) and \
         value would exceed 4096 bytes (lengths below). A blank cell: not measured (the core's \
         compressed row is its uncompressed row below the threshold). The std session rows seal \
         an opened session (it has its id: one random draw, the nonce); a new session's first \
         seal draws its id too (see the nonce table). The core rows draw nonces from the \
         thread-local ChaCha20 reference. The 1060 B payload is compressed only where a row \
         says so, and by the Python package (zlib above 1024 bytes).\n\n",
    );
}

fn ratio_table(s: &mut String, r: &Results) {
    s.push_str("### Ratios (seal / open), same run\n\n");
    header(s, "ratio");
    let rows: [(&str, Subject, Subject); 10] = [
        (
            "core buffers / raw `eax` crate (P2: ≤ 0.5 at 64 B)",
            CORE,
            EAX_CRATE,
        ),
        (
            "core buffers / AES-NI floor (P1: ≤ 1.5 from 930 B)",
            CORE,
            Subject::Floor,
        ),
        ("our EAX alone / AES-NI floor", EAX_OURS, Subject::Floor),
        ("our EAX alone / raw `eax` crate", EAX_OURS, EAX_CRATE),
        (
            "std session, defaults / `cookie` crate (P4: ≤ 1 at 64 B, 930 B)",
            SESSION,
            COOKIE,
        ),
        (
            "std session, compressed / `cookie` crate",
            SESSION_Z,
            COOKIE,
        ),
        (
            "Python / std session, defaults (P3: ≥ 50 at 64 B, 930 B)",
            Subject::Python,
            SESSION,
        ),
        (
            "Python / std session, compressed (P3: ≥ 10 at 4 KiB)",
            Subject::Python,
            SESSION_Z,
        ),
        ("Python / std typed session", Subject::Python, TYPED),
        ("Python / core buffers", Subject::Python, CORE),
    ];
    for (label, a, b) in rows {
        let _ = write!(s, "| {label} |");
        for size in SIZES {
            if r.too_large(a, size) || r.too_large(b, size) {
                let _ = write!(s, " {DOES_NOT_FIT} |");
                continue;
            }
            let ratio = |op| Some(r.median(a, op, size)? / r.median(b, op, size)?);
            let _ = write!(
                s,
                " {} / {} |",
                opt_ratio(ratio(Op::Seal)),
                opt_ratio(ratio(Op::Open))
            );
        }
        s.push('\n');
    }
    s.push('\n');
}

/// The sizes of the CPU-time cross-check, with the `bench-profile` subject
/// prefix of the std session there (4 KiB fits only compressed).
const CPU_SIZES: [(usize, &str); 3] = [(64, ""), (930, ""), (4096, "_z")];

/// A std subject's CPU time (`seal`/`open` + suffix) at `size`.
fn cpu_ours(r: &Results, op: Op, size: usize, suffix: &str) -> Option<f64> {
    r.cpu_us(&format!("{}{suffix}", op.name()), size)
}

/// The `cookie` crate's CPU time at `size`.
fn cpu_cookie(r: &Results, op: Op, size: usize) -> Option<f64> {
    r.cpu_us(&format!("cookie_{}", op.name()), size)
}

/// A cell of the cross-check table: the figure for an operation at a size
/// (with the std subject's suffix there).
type CpuCell<'a> = dyn Fn(Op, usize, &str) -> Option<f64> + 'a;

/// P3 and P4 again, from process CPU time.
fn cpu_table(s: &mut String, r: &Results) {
    if r.cpu.is_none() {
        return;
    }
    s.push_str(
        "### CPU-time cross-check of P3 and P4\n\n\
         Process CPU time (user and system: `OsRandom`'s `getpid` counts; time spent waiting \
         for a core shared with other builds does not), µs per operation: for Rust the median \
         of 7 runs of `bench-profile`, each std subject alternating with its `cookie` crate \
         peer; for Python `time.process_time` over the same batches as its wall-clock medians. \
         4 KiB: the compressed std codec.\n\n\
         | | 64 B | 930 B | 4 KiB |\n|---|---:|---:|---:|\n",
    );
    let pair = |f: &dyn Fn(Op) -> Option<f64>, ratio: bool| {
        let fmt = |x: Option<f64>| {
            if ratio { opt_ratio(x) } else { opt_us(x) }
        };
        format!("{} / {}", fmt(f(Op::Seal)), fmt(f(Op::Open)))
    };
    let rows: [(&str, &CpuCell<'_>, bool); 5] = [
        (
            "std session, seal / open",
            &|op, size, z| cpu_ours(r, op, size, z),
            false,
        ),
        (
            "`cookie` crate + serde_json",
            &|op, size, _| cpu_cookie(r, op, size),
            false,
        ),
        (
            "std / `cookie` crate (P4: ≤ 1 at 64 B, 930 B)",
            &|op, size, z| Some(cpu_ours(r, op, size, z)? / cpu_cookie(r, op, size)?),
            true,
        ),
        (
            "Python package",
            &|op, size, _| r.python_cpu_us(op, size),
            false,
        ),
        (
            "Python / std (P3: ≥ 50, ≥ 10 at 4 KiB)",
            &|op, size, z| Some(r.python_cpu_us(op, size)? / cpu_ours(r, op, size, z)?),
            true,
        ),
    ];
    for (label, value, ratio) in rows {
        let _ = write!(s, "| {label} |");
        for (size, suffix) in CPU_SIZES {
            let _ = write!(s, " {} |", pair(&|op| value(op, size, suffix), ratio));
        }
        s.push('\n');
    }
    s.push('\n');
}

/// The nonce sources, and what each adds to a seal.
fn nonce_table(s: &mut String, r: &Results) {
    s.push_str(
        "### Nonce sources: one 16-byte draw (a nonce or a session id)\n\n\
         | source | ns per draw | added to a seal (one draw, the nonce) | added to a new \
         session's first seal (two: id and nonce) | one draw / std seal at 64 B |\n\
         |---|---:|---:|---:|---:|\n",
    );
    let seal_64 = r.median(SESSION, Op::Seal, 64);
    let draw = |id: &str| r.criterion("nonce", id, 16);
    for (id, label) in NONCES {
        let ns = draw(id).map(|us| us * 1000.0);
        let fmt_ns = |n: Option<f64>| n.map_or_else(String::new, |n| format!("{n:.0} ns"));
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {} |",
            ns.map_or_else(String::new, |n| format!("{n:.1}")),
            if id == "getpid" {
                String::new()
            } else {
                fmt_ns(ns)
            },
            if id == "getpid" {
                String::new()
            } else {
                fmt_ns(ns.map(|n| 2.0 * n))
            },
            opt_percent(draw(id).zip(seal_64).map(|(d, seal)| d / seal)),
        );
    }
    if let (Some(os), Some(getrandom), Some(chacha), Some(getpid)) = (
        draw("os_random"),
        draw("getrandom"),
        draw("chacha20_tls"),
        draw("getpid"),
    ) {
        let _ = writeln!(
            s,
            "\nBoth fork-safe candidates, side by side: `OsRandom` {:.0} ns, one `getrandom` \
             call {:.0} ns per draw ({:.1}× `OsRandom`). Fork safety costs `OsRandom` {:.0} ns \
             per draw over the same generator without the check ({:.0} ns), nearly all of it \
             the `getpid` system call ({:.0} ns alone). The kernel here offers `getrandom` in \
             the vDSO, but glibc uses it only from 2.41; with an older glibc each \
             `getrandom::fill` is a system call.",
            os * 1000.0,
            getrandom * 1000.0,
            getrandom / os,
            (os - chacha) * 1000.0,
            chacha * 1000.0,
            getpid * 1000.0,
        );
    }
    s.push('\n');
}

/// Where a std session's open spends its time, before the redesign (the
/// last run's figures) and now.
fn open_split_table(s: &mut String, r: &Results) {
    s.push_str(
        "### Open-time split, µs\n\n\
         One std session open and its parts, on the same cookie: 930 B with the defaults, \
         4 KiB compressed (the only way it fits). \"core\" is `Codec::open_to_vec` (base64, \
         EAX, inflate, copies and wipes); base64 is the chunked decode as the core does it; \
         EAX is ours alone with the key expanded per call (the core's is expanded once); \
         JSON is `Session::from_json` (now: the raw split of the top-level object and its \
         checks; before: a full parse with `arbitrary_precision` and `preserve_order`). \
         \"rest\" = open − core − JSON: metadata, the absolute timeout, wiping.\n\n\
         | cookie | run | open | core | base64 | EAX | inflate | JSON | rest |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (size, before) in SPLIT_BEFORE {
        let label = if size == 4096 {
            "4 KiB, compressed"
        } else {
            "930 B"
        };
        let rest = |v: &[Option<f64>; 6]| {
            v[0].zip(v[1])
                .zip(v[5])
                .map(|((open, core), json)| open - core - json)
        };
        let cells = |v: &[Option<f64>; 6]| {
            let mut cells: Vec<String> = v.iter().map(|x| opt_us(*x)).collect();
            cells.push(opt_us(rest(v)));
            cells.join(" | ")
        };
        let _ = writeln!(s, "| {label} | before (2026-11-22) | {} |", cells(&before));
        let stage = |name| r.criterion("open_split", name, size);
        let after = [
            stage("session"),
            stage("core"),
            stage("base64"),
            stage("eax"),
            stage("inflate"),
            stage("json"),
        ];
        let _ = writeln!(s, "| {label} | this run | {} |", cells(&after));
    }
    s.push_str(
        "\nBefore: the 4 KiB cookie's base64 and EAX were not timed on its own (compressed) \
         text; the core column holds them.\n\n",
    );
}

fn length_table(s: &mut String, r: &Results) {
    s.push_str("### Cookie length (characters of the value) per format\n\n");
    header(s, "format");
    let rows: [(&str, &str); 16] = [
        ("JSON payload (bytes, compact)", "json"),
        (
            "the same as Python's `json.dumps` writes it (bytes)",
            "python_json",
        ),
        ("the same data as postcard (bytes)", "postcard_bytes"),
        (
            "core envelope v1, bare JSON, never compressed (the core's default)",
            "v1",
        ),
        (
            "core envelope v1, bare JSON, compress > 1024 B",
            "v1_compressed",
        ),
        (
            "core envelope v1, postcard (`Codec::seal_value`, no metadata)",
            "postcard_core",
        ),
        (
            "core envelope v1, postcard (`seal_value_to_string`, compress > 1024 B)",
            "postcard_core_compressed",
        ),
        (
            "std JSON session, defaults (26 B of metadata, no compression)",
            "session",
        ),
        (
            "std JSON session, `pad_to_multiple_of(64)`",
            "session_pad64",
        ),
        (
            "std JSON session, `pad_to_multiple_of(256)`",
            "session_pad256",
        ),
        (
            "std JSON session, `compression(Compression::Above(1024))`",
            "session_z",
        ),
        ("std typed session (postcard), defaults", "typed"),
        (
            "std typed session, `compression(Compression::Above(1024))`",
            "typed_z",
        ),
        ("`cookie` crate `PrivateJar`", "cookie"),
        ("Fernet", "fernet"),
        ("Python package (zlib above 1024 B)", ""),
    ];
    for (label, format) in rows {
        let _ = write!(s, "| {label} |");
        for size in SIZES {
            let len = if format.is_empty() {
                r.python_length(size)
            } else {
                r.length(size, format)
            };
            let fits = if r.fits(size, format) == Some(false) {
                " (does not fit)"
            } else {
                ""
            };
            let _ = write!(
                s,
                " {}{fits} |",
                len.map_or_else(String::new, |n| format!("{n:.0}"))
            );
        }
        s.push('\n');
    }
    for (label, format) in [
        ("std JSON session, defaults / Python (P7: ≤ 1)", "session"),
        ("std JSON session, compressed / Python", "session_z"),
        ("std typed session / Python (P7: ≤ 0.6)", "typed"),
        ("std typed session, compressed / Python", "typed_z"),
    ] {
        let _ = write!(s, "| {label} |");
        for size in SIZES {
            if r.fits(size, format) == Some(false) {
                let _ = write!(s, " {DOES_NOT_FIT} |");
                continue;
            }
            let ratio = r
                .length(size, format)
                .zip(r.python_length(size))
                .map(|(a, b)| a / b);
            let _ = write!(s, " {} |", opt_ratio(ratio));
        }
        s.push('\n');
    }
    s.push_str(
        "\n\"does not fit\": the std codec refuses it (name and value over 4096 bytes); the \
         length shown is what the same payload seals to without the limit. The other formats \
         are not limited here, though browsers keep at most 4096 bytes of name and value. \
         The std formats count their metadata (creation time and session id, 26 bytes) and the \
         `__Host-session` name as context; padding rounds metadata and JSON together up to the \
         block.\n\n",
    );
}

fn compression_table(s: &mut String, r: &Results) {
    s.push_str(
        "### Compression: raw DEFLATE of the payloads above the threshold\n\n\
         Compression is opt-in (`Compression::Never` is the default in the core and the std \
         crate: a compressed cookie's length leaks its content). bytes, µs, share of \
         miniz_oxide level 6's saving kept, and time / our EAX seal of the same payload \
         (P5: ≤ 3 and ≥ 85 %). `core`: the core's own encoder, what `seal_to_string` uses \
         when compression is on; `l<N>`: miniz_oxide at level N with a fresh compressor per \
         call; `-reused`: one miniz_oxide compressor reset per call.\n\n",
    );
    let sizes: Vec<usize> = SIZES.into_iter().filter(|&n| n > 1024).collect();
    let _ = write!(s, "| config |");
    for size in &sizes {
        let _ = write!(s, " {} |", size_label(*size));
    }
    s.push_str("\n|---|");
    for _ in &sizes {
        s.push_str("---:|");
    }
    s.push('\n');
    for config in DEFLATE_CONFIGS {
        let _ = write!(s, "| {config} |");
        for &size in &sizes {
            let bytes = r.deflated(size, config.trim_end_matches("-reused"));
            let time = r.criterion("deflate", config, size);
            let kept = bytes
                .zip(r.deflated(size, "l6"))
                .map(|(b, l6)| (size as f64 - b) / (size as f64 - l6) * 100.0);
            let per_eax = time
                .zip(r.median(EAX_OURS, Op::Seal, size))
                .map(|(t, e)| t / e);
            let _ = write!(
                s,
                " {} B, {} µs, {}, {} |",
                bytes.map_or_else(String::new, |b| format!("{b:.0}")),
                opt_us(time),
                kept.map_or_else(String::new, |k| format!("{k:.0} %")),
                opt_ratio(per_eax).replace('×', "× EAX"),
            );
        }
        s.push('\n');
    }
    let _ = write!(s, "| inflate (core) |");
    for &size in &sizes {
        let _ = write!(
            s,
            " {} µs |",
            opt_us(r.criterion("deflate", "inflate", size))
        );
    }
    s.push_str("\n\n");
}

/// The serde_json features of the benches' build, from `cargo tree`.
fn serde_json_features(s: &mut String, r: &Results) {
    s.push_str("### serde_json features in the benches' build\n\n");
    let features = r.serde_json_features();
    let bad: Vec<&str> = BEHAVIOUR_CHANGING
        .into_iter()
        .filter(|f| features.iter().any(|g| g == f))
        .collect();
    let _ = writeln!(
        s,
        "`cargo tree -e features -i serde_json -p sealed-session-benches` lists: {}.",
        features
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if bad.is_empty() {
        s.push_str(
            "\nNone of `arbitrary_precision`, `preserve_order`, `float_roundtrip` or \
             `unbounded_depth`: the `cookie` crate and Fernet peers parse their JSON into a \
             `Map` exactly as their users' builds do, in the same bench binary. `raw_value` \
             (turned on by `sealed-session`) is additive: it adds `RawValue` and changes no \
             parse of a `Value` or `Map`.\n\n",
        );
    } else {
        let _ = writeln!(
            s,
            "\n**Unfair**: {} on in this build; the peers' JSON does not parse as their users' \
             builds do. Measure them in a crate of their own workspace.\n",
            bad.join(", ")
        );
    }
}

/// P3 (`python`) or P4 from the CPU-time cross-check: whether it holds,
/// and the ratios, seal/open per size (`None` when not recorded).
fn cpu_verdict(r: &Results, python: bool) -> (Option<bool>, String) {
    let sizes: &[(usize, &str)] = if python { &CPU_SIZES } else { &CPU_SIZES[..2] };
    let mut met = Some(true);
    let mut parts = Vec::new();
    for &(size, suffix) in sizes {
        let ratio = |op| {
            let ours = cpu_ours(r, op, size, suffix)?;
            if python {
                Some(r.python_cpu_us(op, size)? / ours)
            } else {
                Some(ours / cpu_cookie(r, op, size)?)
            }
        };
        let (seal, open) = (ratio(Op::Seal), ratio(Op::Open));
        let limit = if size == 4096 { 10.0 } else { 50.0 };
        for x in [seal, open] {
            let holds = x.map(|x| if python { x >= limit } else { x <= 1.0 });
            met = match (met, holds) {
                (Some(a), Some(b)) => Some(a && b),
                _ => None,
            };
        }
        let fmt = |x: Option<f64>| x.map_or_else(String::new, |x| format!("{x:.2}"));
        parts.push(format!("{} {}/{}×", size_label(size), fmt(seal), fmt(open)));
    }
    if r.cpu.is_none() {
        return (None, "not recorded".to_owned());
    }
    (met, parts.join(", "))
}

/// P1-P7 as measured, each `met` or `missed`.
#[expect(
    clippy::too_many_lines,
    reason = "one verdict after another, each with its figures"
)]
fn targets(s: &mut String, r: &Results) {
    s.push_str("### Targets\n\n");
    let all =
        |subject_a: Subject, subject_b: Subject, sizes: &[usize], holds: &dyn Fn(f64) -> bool| {
            sizes.iter().all(|&size| {
                Op::BOTH.iter().all(|&op| {
                    r.median(subject_a, op, size)
                        .zip(r.median(subject_b, op, size))
                        .is_some_and(|(a, b)| holds(a / b))
                })
            })
        };
    let worst = |subject_a: Subject, subject_b: Subject, sizes: &[usize], max: bool| {
        let ratios = sizes.iter().flat_map(|&size| {
            Op::BOTH.iter().filter_map(move |&op| {
                Some(r.median(subject_a, op, size)? / r.median(subject_b, op, size)?)
            })
        });
        let folded = if max {
            ratios.fold(f64::NAN, f64::max)
        } else {
            ratios.fold(f64::NAN, f64::min)
        };
        format!("{folded:.2}")
    };
    // Each (size, seal/open) ratio, as "64 B 0.93/1.10×".
    let each = |subject_a: Subject, subject_b: Subject, sizes: &[usize]| {
        sizes
            .iter()
            .map(|&size| {
                let ratio = |op| {
                    r.median(subject_a, op, size)
                        .zip(r.median(subject_b, op, size))
                        .map_or_else(String::new, |(a, b)| format!("{:.2}", a / b))
                };
                format!(
                    "{} {}/{}×",
                    size_label(size),
                    ratio(Op::Seal),
                    ratio(Op::Open)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let big = [930, 1060, 4096, 16384];
    let mut line = |name: &str, met: bool, detail: String| {
        let verdict = if met { "met" } else { "missed" };
        let _ = writeln!(s, "- {name}: **{verdict}** ({detail})");
    };
    line(
        "P1 (EAX layer) our EAX ≤ 1.5× the AES-NI floor from 930 B, key expanded per call",
        all(EAX_OURS, Subject::Floor, &big, &|x| x <= 1.5),
        format!("worst {}×", worst(EAX_OURS, Subject::Floor, &big, true)),
    );
    line(
        "P1 (whole path) core `Codec::seal`/`open` ≤ 1.5× the AES-NI floor from 930 B",
        all(CORE, Subject::Floor, &big, &|x| x <= 1.5),
        format!(
            "worst {}×; base64ct alone is {}× the floor at 16 KiB",
            worst(CORE, Subject::Floor, &big, true),
            worst(
                Subject::Criterion("base64ct"),
                Subject::Floor,
                &[16384],
                true
            )
        ),
    );
    line(
        "P2 core seal/open at 64 B ≤ 0.5× the raw eax crate",
        all(CORE, EAX_CRATE, &[64], &|x| x <= 0.5),
        format!("worst {}×", worst(CORE, EAX_CRATE, &[64], true)),
    );
    let p3 = all(Subject::Python, SESSION, &[64, 930], &|x| x >= 50.0)
        && all(Subject::Python, SESSION_Z, &[4096], &|x| x >= 10.0);
    let (p3_cpu, p3_cpu_text) = cpu_verdict(r, true);
    let (p4_cpu, p4_cpu_text) = cpu_verdict(r, false);
    let mut cross_line = |name: &str, met: bool, cpu: Option<bool>, detail: String| {
        let verdict = match (met, cpu) {
            (true, Some(true) | None) => "**met**".to_owned(),
            (false, Some(false) | None) => "**missed**".to_owned(),
            (true, Some(false)) => "**unsettled**: met in criterion's wall-clock medians, \
                                    missed in CPU time"
                .to_owned(),
            (false, Some(true)) => "**unsettled**: missed in criterion's wall-clock medians, \
                                     met in CPU time"
                .to_owned(),
        };
        let _ = writeln!(s, "- {name}: {verdict} ({detail})");
    };
    cross_line(
        "P3 std session ≥ 50× Python at 64 B and 930 B (defaults), ≥ 10× at 4 KiB \
         (compressed, the only configuration in which 4 KiB of JSON fits a cookie)",
        p3,
        p3_cpu,
        format!(
            "Python / std, seal/open, criterion: {}; {}. CPU time: {p3_cpu_text}",
            each(Subject::Python, SESSION, &[64, 930]),
            each(Subject::Python, SESSION_Z, &[4096])
        ),
    );
    cross_line(
        "P4 std session (defaults) no slower than the `cookie` crate's PrivateJar + \
         serde_json at 64 B and 930 B, peer built without `arbitrary_precision`/`preserve_order`",
        all(SESSION, COOKIE, &[64, 930], &|x| x <= 1.0),
        p4_cpu,
        format!(
            "std / cookie, seal/open, criterion: {}. CPU time: {p4_cpu_text}",
            each(SESSION, COOKIE, &[64, 930])
        ),
    );
    let mut line = |name: &str, met: bool, detail: String| {
        let verdict = if met { "met" } else { "missed" };
        let _ = writeln!(s, "- {name}: **{verdict}** ({detail})");
    };
    let compressed: Vec<usize> = SIZES.into_iter().filter(|&n| n > 1024).collect();
    let p5_detail: Vec<String> = compressed
        .iter()
        .map(|&size| {
            let time = r.criterion("deflate", "core", size);
            let eax = r.median(EAX_OURS, Op::Seal, size);
            let kept = r
                .deflated(size, "core")
                .zip(r.deflated(size, "l6"))
                .map(|(b, l6)| (size as f64 - b) / (size as f64 - l6) * 100.0);
            format!(
                "{}: {} EAX, {} kept",
                size_label(size),
                opt_ratio(time.zip(eax).map(|(t, e)| t / e)),
                kept.map_or_else(String::new, |k| format!("{k:.0} %"))
            )
        })
        .collect();
    let p5 = compressed.iter().all(|&size| {
        let fast = r
            .criterion("deflate", "core", size)
            .zip(r.median(EAX_OURS, Op::Seal, size))
            .is_some_and(|(t, e)| t <= 3.0 * e);
        let small = r
            .deflated(size, "core")
            .zip(r.deflated(size, "l6"))
            .is_some_and(|(b, l6)| size as f64 - b >= 0.85 * (size as f64 - l6));
        fast && small
    });
    line(
        "P5 compression (opt-in) ≤ 3× the AEAD, keeping ≥ 85 % of level 6's saving",
        p5,
        p5_detail.join("; "),
    );
    line(
        "P6 no heap allocation in the core buffer path",
        true,
        "asserted by `tests/allocations.rs`, not timed here".to_owned(),
    );
    // Length ratios against Python's cookie, size by size.
    let lengths = |format: &str, limit: f64| {
        let per_size: Vec<(String, bool)> = SIZES
            .iter()
            .map(|&size| {
                let ratio = r
                    .length(size, format)
                    .zip(r.python_length(size))
                    .map(|(a, b)| a / b);
                let fits = r.fits(size, format) != Some(false);
                let text = match ratio {
                    Some(x) if fits => format!("{} {x:.2}×", size_label(size)),
                    Some(x) => format!("{} {x:.2}× ({DOES_NOT_FIT})", size_label(size)),
                    None => format!("{} ?", size_label(size)),
                };
                (text, fits && ratio.is_some_and(|x| x <= limit))
            })
            .collect();
        let met = per_size.iter().all(|(_, ok)| *ok);
        let text: Vec<String> = per_size.into_iter().map(|(t, _)| t).collect();
        (met, text.join(", "))
    };
    let (json_met, json_text) = lengths("session", 1.0);
    line(
        "P7 (JSON) the std session's cookie, defaults, no longer than the Python package's",
        json_met,
        format!("std / Python: {json_text}"),
    );
    let (z_met, z_text) = lengths("session_z", 1.0);
    line(
        "P7 (JSON, compression opt-in) the same with `compression(Above(1024))`, as Python compresses",
        z_met,
        format!("std / Python: {z_text}"),
    );
    let (typed_met, typed_text) = lengths("typed", 0.6);
    let (typed_z_met, typed_z_text) = lengths("typed_z", 0.6);
    line(
        "P7 (typed) a postcard-typed std session ≥ 40 % shorter than the Python package's JSON cookie",
        typed_met,
        format!(
            "defaults: {typed_text}; compressed ({}): {typed_z_text}",
            if typed_z_met { "met" } else { "missed" }
        ),
    );
}

fn us(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn opt_us(value: Option<f64>) -> String {
    value.map_or_else(String::new, us)
}

fn opt_percent(value: Option<f64>) -> String {
    value.map_or_else(String::new, |x| format!("{:.0} %", x * 100.0))
}

fn opt_ratio(value: Option<f64>) -> String {
    value.map_or_else(String::new, |x| format!("{x:.2}×"))
}

/// What the run ran on.
struct Machine {
    cpu: String,
    cores: usize,
    flags: String,
    rustc: String,
    openssl: String,
    python: String,
    date: String,
    /// How loaded the machine was while measuring.
    load: String,
}

impl Machine {
    fn probe(r: &Results) -> Self {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            cpuinfo
                .lines()
                .find(|line| line.starts_with(name))
                .and_then(|line| line.split_once(':'))
                .map(|(_, value)| value.trim().to_owned())
        };
        let flag_list = field("flags").unwrap_or_default();
        let flags: Vec<&str> = ["aes", "vaes", "avx2", "avx512f"]
            .into_iter()
            .filter(|flag| flag_list.split_whitespace().any(|f| f == *flag))
            .collect();
        let version = |program: &str, arg: &str| {
            Command::new(program)
                .arg(arg)
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|text| text.lines().next().unwrap_or_default().trim().to_owned())
                .unwrap_or_default()
        };
        let python = r
            .python
            .get("python")
            .and_then(Json::str)
            .unwrap_or_default();
        let pycryptodome = r
            .python
            .get("pycryptodome")
            .and_then(Json::str)
            .unwrap_or_default();
        Self {
            cpu: field("model name").unwrap_or_else(|| "unknown CPU".to_owned()),
            cores: cpuinfo
                .lines()
                .filter(|l| l.starts_with("processor"))
                .count(),
            flags: flags.join(", "),
            rustc: version("rustc", "--version"),
            openssl: version("openssl", "version"),
            python: format!("Python {python}, pycryptodome {pycryptodome}"),
            date: today(),
            load: load_summary(r.load.as_ref()),
        }
    }

    fn summary(&self) -> String {
        format!(
            "{}, {} cores ({}); {}; {}; {}",
            self.cpu, self.cores, self.flags, self.rustc, self.openssl, self.python
        )
    }
}

/// The load averages sampled during the run, in one sentence.
fn load_summary(load: Option<&Json>) -> String {
    let samples: Vec<(String, f64)> = load
        .and_then(|load| load.get("samples"))
        .map(|samples| match samples {
            Json::Arr(items) => items
                .iter()
                .filter_map(|item| {
                    let at = item.get("at")?.str()?.to_owned();
                    match item.get("load")? {
                        Json::Arr(values) => Some((at, values.first()?.num()?)),
                        _ => None,
                    }
                })
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    if samples.is_empty() {
        return "not recorded".to_owned();
    }
    let max = samples.iter().map(|(_, l)| *l).fold(f64::NAN, f64::max);
    let min = samples.iter().map(|(_, l)| *l).fold(f64::NAN, f64::min);
    let steps: Vec<String> = samples
        .iter()
        .map(|(at, l)| format!("{at} {l:.2}"))
        .collect();
    format!(
        "1-minute load average {min:.2}–{max:.2} while measuring (after each step: {}), on a \
         machine shared with other engineers' builds",
        steps.join(", ")
    )
}

/// `benches/RESULTS.md`: the date, the machine and the report.
fn results_md(report: &str, machine: &Machine, python_package: &str) -> String {
    format!(
        "# Benchmark results\n\n\
         Recorded by `cargo xtask bench` on {date}. One run: compare the ratios, not \
         absolute times across runs or machines. The machine is shared and noisy; medians \
         are quoted.\n\n{report}\n\
         ### The Python package (`crates/sealed-session-py/bench/bench_python_package.py`, \
         same run)\n\n\
         Goals (issue 13): at least 20x faster than EncryptedSession at 1 KiB, and no slower \
         than Flask's default signed cookie at every size, while encrypting.\n\n\
         {python_package}",
        date = machine.date,
    )
}

/// The Python package benchmark's output, in the run's directory.
const PYTHON_PACKAGE: &str = "python_package.md";

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock.
pub(crate) fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn date_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Just enough JSON for criterion's estimates and our own files.
#[derive(Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn parse(text: &str) -> Result<Self, String> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            pos: 0,
        };
        let value = parser.value()?;
        parser.skip_ws();
        if parser.pos == parser.bytes.len() {
            Ok(value)
        } else {
            Err(format!("trailing characters at byte {}", parser.pos))
        }
    }

    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Self::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Self::Num(n) => Some(*n),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", byte as char, self.pos))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.skip_ws();
        match self.bytes.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.skip_ws();
                    let key = self.string()?;
                    self.expect(b':')?;
                    members.push((key, self.value()?));
                    if self.eat(b'}') {
                        return Ok(Json::Obj(members));
                    }
                    self.expect(b',')?;
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.eat(b']') {
                        return Ok(Json::Arr(items));
                    }
                    self.expect(b',')?;
                }
            }
            Some(b'"') => self.string().map(Json::Str),
            _ => self.literal(),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(format!("expected a string at byte {}", self.pos));
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let end = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .ok_or("unterminated string")?;
            out.push_str(&String::from_utf8_lossy(&rest[..end]));
            self.pos += end + 1;
            if rest[end] == b'"' {
                return Ok(out);
            }
            let escape = self.bytes.get(self.pos).copied().ok_or("bad escape")?;
            self.pos += 1;
            match escape {
                b'n' => out.push('\n'),
                b't' => out.push('\t'),
                b'r' => out.push('\r'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'u' => {
                    let hex = self.bytes.get(self.pos..self.pos + 4).ok_or("bad \\u")?;
                    let code = u32::from_str_radix(&String::from_utf8_lossy(hex), 16)
                        .map_err(|e| e.to_string())?;
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    self.pos += 4;
                }
                other => out.push(other as char),
            }
        }
    }

    fn literal(&mut self) -> Result<Json, String> {
        let start = self.pos;
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
        {
            self.pos += 1;
        }
        let word = String::from_utf8_lossy(&self.bytes[start..self.pos]);
        match &*word {
            "null" => Ok(Json::Null),
            "true" => Ok(Json::Bool(true)),
            "false" => Ok(Json::Bool(false)),
            number => number
                .parse()
                .map(Json::Num)
                .map_err(|_| format!("unexpected `{number}` at byte {start}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_criterion_estimates() {
        let text = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.5,"upper_bound":2.5},"point_estimate":2.0,"standard_error":0.1},"median":{"point_estimate":1234.5e0,"standard_error":null}}"#;
        let json = Json::parse(text).unwrap();
        assert_eq!(
            json.get("median")
                .unwrap()
                .get("point_estimate")
                .unwrap()
                .num(),
            Some(1234.5)
        );
        assert_eq!(
            json.get("median").unwrap().get("standard_error"),
            Some(&Json::Null)
        );
        assert!(Json::parse("{\"a\":1} x").is_err());
        assert_eq!(
            Json::parse(r#"["a\"b\u00e9", true, [], {}]"#).unwrap(),
            Json::Arr(vec![
                Json::Str("a\"bé".into()),
                Json::Bool(true),
                Json::Arr(vec![]),
                Json::Obj(vec![]),
            ])
        );
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(date_from_days(0), "1970-01-01");
        assert_eq!(date_from_days(19_782), "2024-02-29");
        assert_eq!(date_from_days(20_454), "2026-01-01");
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
