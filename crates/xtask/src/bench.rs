//! `cargo xtask bench`: sealed-session against its peers and the AES-NI
//! floor in one run, as one table, recorded in `benches/RESULTS.md`.
//!
//! The run, in order:
//! 1. `bench-facts` (benches crate) writes the payloads and the cookie
//!    lengths and compressed sizes into `<target>/bench/`;
//! 2. `tests/python/bench_python.py` times the Python package's format in
//!    the venv on the same payloads;
//! 3. size by size: `openssl speed -evp aes-256-ctr` and `aes-256-cbc`
//!    give the floor of EAX, CTR(n) + CBC(n), CBC standing in for CMAC; then
//!    the criterion suite `benches/benches/sealed_session.rs` times
//!    everything else at that size. Medians are read from criterion's
//!    `<id>/new/estimates.json`, never from its text output.
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
    }
    let results = Results::read(&out, &criterion_home)?;
    let machine = Machine::probe(&results);
    let report = report(&results, &machine);
    print!("{report}");
    let path = ws.root.join("benches").join("RESULTS.md");
    fs::write(&path, results_md(&report, &machine))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nwritten to {}", path.display());
    Ok(())
}

/// Steps 1-4 of the module docs.
fn measure(ws: &Workspace, out: &Path, criterion_home: &Path) -> Result<(), String> {
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
    let mut command = Command::new(python);
    command
        .arg(ws.root.join("tests").join("python").join("bench_python.py"))
        .arg(out.join("payloads.json"))
        .current_dir(&ws.root);
    let python_json = capture(&mut command)?;
    write(&out.join("python.json"), &python_json)?;

    // Size by size, the floor and then every criterion benchmark of that
    // size, so that what a ratio compares is measured within a minute or
    // two, under the same load.
    let mut floor = String::from("{");
    for (index, size) in SIZES.iter().enumerate() {
        let ctr = openssl_us(ws, "aes-256-ctr", *size)?;
        let cbc = openssl_us(ws, "aes-256-cbc", *size)?;
        let comma = if index == 0 { "" } else { "," };
        let _ = write!(floor, "{comma}\"{size}\":{{\"ctr\":{ctr},\"cbc\":{cbc}}}");
        let filter = format!("/{size}$");
        let mut command = ws.cargo([
            "bench",
            "-p",
            "sealed-session-benches",
            "--bench",
            "sealed_session",
            "--",
            &filter,
        ]);
        command.env("CRITERION_HOME", criterion_home);
        ws.run(&mut command)?;
    }
    floor.push('}');
    write(&out.join("openssl.json"), &floor)
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
}

impl Results {
    fn read(out: &Path, criterion_home: &Path) -> Result<Self, String> {
        Ok(Self {
            criterion_home: criterion_home.to_path_buf(),
            facts: read_json(&out.join("facts.json"))?,
            python: read_json(&out.join("python.json"))?,
            openssl: read_json(&out.join("openssl.json"))?,
        })
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
#[derive(Clone, Copy)]
enum Subject {
    /// A criterion group of the benches crate.
    Criterion(&'static str),
    /// `tests/python/bench_python.py`.
    Python,
    /// openssl CTR + CBC.
    Floor,
}

/// Rows of the timing table: label and subject.
const ROWS: [(&str, Subject); 14] = [
    (
        "core `Codec::seal`/`open` (buffers, no compression)",
        Subject::Criterion("core_buf"),
    ),
    (
        "core `seal_to_string`/`open_to_vec` (compress > 1024 B)",
        Subject::Criterion("core_alloc"),
    ),
    (
        "core `seal_to_string`/`open_to_vec`, never compress",
        Subject::Criterion("core_alloc_raw"),
    ),
    (
        "std `SessionCodec::seal_at`/`open_at` + `OsNonce` (JSON included)",
        Subject::Criterion("session"),
    ),
    (
        "std JSON alone: `Session::to_json_vec`/`from_json`",
        Subject::Criterion("session_json"),
    ),
    (
        "serde_json alone: `to_vec`/`from_slice` into a `Map`",
        Subject::Criterion("serde_json"),
    ),
    (
        "our EAX alone (key expanded per call)",
        Subject::Criterion("eax_ours"),
    ),
    (
        "raw `eax` crate `Eax<Aes256>`",
        Subject::Criterion("eax_crate"),
    ),
    ("AES-NI floor for EAX: openssl CTR + CBC", Subject::Floor),
    (
        "base64ct encode / decode in 256-character chunks (as the core)",
        Subject::Criterion("base64ct"),
    ),
    (
        "base64ct decode of the whole text in one call",
        Subject::Criterion("base64ct_whole"),
    ),
    (
        "`cookie` crate `PrivateJar` + serde_json",
        Subject::Criterion("cookie"),
    ),
    (
        "`fernet` crate (RustCrypto) + serde_json",
        Subject::Criterion("fernet"),
    ),
    ("Python package format, pycryptodome", Subject::Python),
];

const CORE: Subject = Subject::Criterion("core_buf");
const SESSION: Subject = Subject::Criterion("session");
const EAX_CRATE: Subject = Subject::Criterion("eax_crate");
const EAX_OURS: Subject = Subject::Criterion("eax_ours");
const COOKIE: Subject = Subject::Criterion("cookie");

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

/// The report: tables and targets, as Markdown.
fn report(r: &Results, machine: &Machine) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Machine: {}\n", machine.summary());
    timing_table(&mut s, r);
    ratio_table(&mut s, r);
    length_table(&mut s, r);
    compression_table(&mut s, r);
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
        1060 => "1060 B (compressed)".to_owned(),
        _ => format!("{size} B"),
    }
}

fn timing_table(s: &mut String, r: &Results) {
    s.push_str("### Medians, µs per seal / open\n\n");
    header(s, "subject");
    for (label, subject) in &ROWS {
        let _ = write!(s, "| {label} |");
        for size in SIZES {
            let seal = r.median(*subject, Op::Seal, size);
            let open = r.median(*subject, Op::Open, size);
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
         time, median of 3 one-second runs); serial CBC stands in for CMAC. A blank cell: not measured \
         (the std session's cookie would exceed 4096 bytes).\n\n",
    );
}

fn ratio_table(s: &mut String, r: &Results) {
    s.push_str("### Ratios (seal / open), same run\n\n");
    header(s, "ratio");
    let rows: [(&str, Subject, Subject); 6] = [
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
            "std session / `cookie` crate (P4: ≤ 1 at 64 B, 930 B)",
            SESSION,
            COOKIE,
        ),
        (
            "Python / std session (P3: ≥ 50, ≥ 10 at 4 KiB)",
            Subject::Python,
            SESSION,
        ),
    ];
    for (label, a, b) in rows {
        let _ = write!(s, "| {label} |");
        for size in SIZES {
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
    let _ = write!(s, "| Python / core buffers |");
    for size in SIZES {
        let ratio = |op| Some(r.median(Subject::Python, op, size)? / r.median(CORE, op, size)?);
        let _ = write!(
            s,
            " {} / {} |",
            opt_ratio(ratio(Op::Seal)),
            opt_ratio(ratio(Op::Open))
        );
    }
    s.push_str("\n\n");
}

fn length_table(s: &mut String, r: &Results) {
    s.push_str("### Cookie length (characters of the value) per format\n\n");
    header(s, "format");
    let rows: [(&str, &str); 8] = [
        ("JSON payload (bytes, compact)", "json"),
        (
            "envelope v1, JSON (std session / core, compress > 1024 B)",
            "v1",
        ),
        ("envelope v1, JSON, never compressed", "v1_uncompressed"),
        (
            "envelope v1, postcard (`seal_value`, never compressed)",
            "postcard",
        ),
        (
            "envelope v1, postcard (`seal_value_to_string`)",
            "postcard_compressed",
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
            let _ = write!(
                s,
                " {} |",
                len.map_or_else(String::new, |n| format!("{n:.0}"))
            );
        }
        s.push('\n');
    }
    for (label, format) in [
        ("v1 JSON / Python (P7: ≤ 1)", "v1"),
        (
            "v1 postcard (`seal_value`) / Python (P7: ≤ 0.6)",
            "postcard",
        ),
        (
            "v1 postcard (`seal_value_to_string`) / Python",
            "postcard_compressed",
        ),
    ] {
        let _ = write!(s, "| {label} |");
        for size in SIZES {
            let ratio = r
                .length(size, format)
                .zip(r.python_length(size))
                .map(|(a, b)| a / b);
            let _ = write!(s, " {} |", opt_ratio(ratio));
        }
        s.push('\n');
    }
    s.push('\n');
}

fn compression_table(s: &mut String, r: &Results) {
    s.push_str(
        "### Compression: raw DEFLATE of the payloads above the threshold\n\n\
         bytes, µs, share of miniz_oxide level 6's saving kept, and time / our EAX seal of \
         the same payload (P5: ≤ 3 and ≥ 85 %). `core`: the core's own encoder, what \
         `seal_to_string` uses; `l<N>`: miniz_oxide at level N with a fresh compressor per \
         call; `-reused`: one miniz_oxide compressor reset per call.\n\n",
    );
    let sizes: Vec<usize> = SIZES.into_iter().filter(|&n| n > 1024).collect();
    let _ = write!(s, "| config |");
    for size in &sizes {
        let _ = write!(s, " {} |", size_label(*size).replace(" (compressed)", ""));
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

/// P1-P7 as measured, each `met` or `missed`.
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
        && all(Subject::Python, SESSION, &[4096], &|x| x >= 10.0);
    line(
        "P3 std session ≥ 50× Python at 64 B and 930 B, ≥ 10× at 4 KiB",
        p3,
        format!(
            "least {}× at 64/930 B, {}× at 4 KiB",
            worst(Subject::Python, SESSION, &[64, 930], false),
            worst(Subject::Python, SESSION, &[4096], false)
        ),
    );
    line(
        "P4 std session no slower than the cookie crate at 64 B and 930 B",
        all(SESSION, COOKIE, &[64, 930], &|x| x <= 1.0),
        format!("worst {}×", worst(SESSION, COOKIE, &[64, 930], true)),
    );
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
                size_label(size).replace(" (compressed)", ""),
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
        "P5 compression ≤ 3× the AEAD, keeping ≥ 85 % of level 6's saving",
        p5,
        p5_detail.join("; "),
    );
    line(
        "P6 no heap allocation in the core buffer path",
        true,
        "asserted by `tests/allocations.rs`, not timed here".to_owned(),
    );
    let p7_json = SIZES.iter().all(|&size| {
        r.length(size, "v1")
            .zip(r.python_length(size))
            .is_some_and(|(a, b)| a <= b)
    });
    let p7_postcard = SIZES.iter().all(|&size| {
        r.length(size, "postcard")
            .zip(r.python_length(size))
            .is_some_and(|(a, b)| a <= 0.6 * b)
    });
    line(
        "P7 v1 cookie never longer than Python's; postcard ≥ 40 % shorter",
        p7_json && p7_postcard,
        format!(
            "JSON: {}; postcard: {}",
            if p7_json {
                "all sizes"
            } else {
                "not at every size"
            },
            if p7_postcard {
                "all sizes"
            } else {
                "not at every size"
            }
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
        }
    }

    fn summary(&self) -> String {
        format!(
            "{}, {} cores ({}); {}; {}; {}",
            self.cpu, self.cores, self.flags, self.rustc, self.openssl, self.python
        )
    }
}

/// `benches/RESULTS.md`: the date, the machine and the report.
fn results_md(report: &str, machine: &Machine) -> String {
    format!(
        "# Benchmark results\n\n\
         Recorded by `cargo xtask bench` on {date}. One run: compare the ratios, not \
         absolute times across runs or machines. The machine is shared and noisy; medians \
         are quoted.\n\n{report}",
        date = machine.date,
    )
}

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
