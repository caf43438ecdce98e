//! What one run measured, read back from the files its steps wrote.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;

/// Seal or open.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Seal,
    Open,
}

impl Op {
    pub(super) const BOTH: [Self; 2] = [Self::Seal, Self::Open];

    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::Seal => "seal",
            Self::Open => "open",
        }
    }
}

/// Everything one run measured.
pub(super) struct Results {
    pub(super) criterion_home: PathBuf,
    pub(super) facts: Value,
    pub(super) python: Value,
    pub(super) openssl: Value,
    /// `cargo tree -e features -i serde_json` of the benches.
    pub(super) serde_json_tree: String,
    /// `{"samples": [{"at": step, "load": [1, 5, 15 min]}]}`, if recorded.
    pub(super) load: Option<Value>,
    /// `{"<bench-profile subject>/<size>": CPU ns per operation}`, if
    /// recorded.
    pub(super) cpu: Option<Value>,
}

impl Results {
    pub(super) fn read(out: &Path, criterion_home: &Path) -> Result<Self, String> {
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
    pub(super) fn cpu_us(&self, subject: &str, size: usize) -> Option<f64> {
        Some(
            self.cpu
                .as_ref()?
                .get(format!("{subject}/{size}"))?
                .as_f64()?
                / 1000.0,
        )
    }

    /// Python's CPU-time median for `op` at `size`, in microseconds.
    pub(super) fn python_cpu_us(&self, op: Op, size: usize) -> Option<f64> {
        let key = if op == Op::Seal {
            "seal_cpu_us"
        } else {
            "open_cpu_us"
        };
        self.python
            .get("sizes")?
            .get(size.to_string())?
            .get(key)?
            .as_f64()
    }

    /// The serde_json features `cargo tree` listed, sorted.
    pub(super) fn serde_json_features(&self) -> Vec<String> {
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
    pub(super) fn fits(&self, size: usize, format: &str) -> Option<bool> {
        match self
            .facts
            .get("lengths")?
            .get(size.to_string())?
            .get(format!("{format}_fits"))?
        {
            Value::Bool(fits) => Some(*fits),
            _ => None,
        }
    }

    /// Whether `subject` is a std codec row whose cookie at `size` does
    /// not fit.
    pub(super) fn too_large(&self, subject: Subject, size: usize) -> bool {
        subject
            .std_format()
            .is_some_and(|format| self.fits(size, format) == Some(false))
    }

    /// Criterion's median for `<group>/<function>/<size>`, in microseconds.
    pub(super) fn criterion(&self, group: &str, function: &str, size: usize) -> Option<f64> {
        let path = self
            .criterion_home
            .join(group)
            .join(function)
            .join(size.to_string())
            .join("new")
            .join("estimates.json");
        let estimates = read_json(&path).ok()?;
        Some(estimates.get("median")?.get("point_estimate")?.as_f64()? / 1000.0)
    }

    /// A subject's median for `op` at `size`, in microseconds.
    pub(super) fn median(&self, subject: Subject, op: Op, size: usize) -> Option<f64> {
        match subject {
            Subject::Criterion(group) => self.criterion(group, op.name(), size),
            Subject::Python => {
                let key = if op == Op::Seal { "seal_us" } else { "open_us" };
                self.python
                    .get("sizes")?
                    .get(size.to_string())?
                    .get(key)?
                    .as_f64()
            }
            Subject::Floor => {
                let at = self.openssl.get(size.to_string())?;
                Some(at.get("ctr")?.as_f64()? + at.get("cbc")?.as_f64()?)
            }
        }
    }

    /// A cookie length from `facts.json` (`None` when absent or null).
    pub(super) fn length(&self, size: usize, format: &str) -> Option<f64> {
        self.facts
            .get("lengths")?
            .get(size.to_string())?
            .get(format)?
            .as_f64()
    }

    pub(super) fn python_length(&self, size: usize) -> Option<f64> {
        self.python
            .get("sizes")?
            .get(size.to_string())?
            .get("cookie_len")?
            .as_f64()
    }

    pub(super) fn deflated(&self, size: usize, config: &str) -> Option<f64> {
        self.facts
            .get("deflate")?
            .get(size.to_string())?
            .get(config)?
            .as_f64()
    }
}

/// Who is measured.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
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
    pub(super) fn std_format(self) -> Option<&'static str> {
        match self {
            Self::Criterion("session") => Some("session"),
            Self::Criterion("session_z") => Some("session_z"),
            Self::Criterion("session_typed") => Some("typed"),
            _ => None,
        }
    }
}

pub(super) const CORE: Subject = Subject::Criterion("core_buf");
pub(super) const SESSION: Subject = Subject::Criterion("session");
pub(super) const SESSION_Z: Subject = Subject::Criterion("session_z");
pub(super) const TYPED: Subject = Subject::Criterion("session_typed");
pub(super) const EAX_CRATE: Subject = Subject::Criterion("eax_crate");
pub(super) const EAX_OURS: Subject = Subject::Criterion("eax_ours");
pub(super) const COOKIE: Subject = Subject::Criterion("cookie");

/// Rows of the timing table: label and subject.
pub(super) const ROWS: [(&str, Subject); 16] = [
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
pub(super) const DEFLATE_CONFIGS: [&str; 15] = [
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
pub(super) const NONCES: [(&str, &str); 6] = [
    (
        "os_random",
        "`OsRandom`: thread-local ChaCha20 + a fork-generation check per draw (the std default, fork-safe)",
    ),
    (
        "chacha20_getpid",
        "before issue 22: the same generator + a `getpid` check per draw (the old `OsRandom`, fork-safe)",
    ),
    (
        "getrandom",
        "one `getrandom::fill` per draw (a system call here; fork-safe)",
    ),
    (
        "chacha20_tls",
        "thread-local ChaCha20 without any check (**not** fork-safe), reference",
    ),
    (
        "fork_generation",
        "`sealed_session_fork::generation()` alone: the check now (a relaxed atomic load)",
    ),
    (
        "getpid",
        "`std::process::id()` alone: the check's system call before issue 22",
    ),
];

/// Which commit [`SPLIT_BEFORE`] was measured at, for the table.
pub(super) const SPLIT_BEFORE_RUN: &str = "before issue 22 (065f904)";

/// The open-time split before issue 22's request-path work, µs: session
/// open, core `open_to_vec`, base64, our EAX alone, inflate, and
/// `Session::from_json` (a string and a boxed value per member then). The
/// `open_split` bench of commit 065f904 (base64 then: base64ct, in
/// 256-character chunks), run on 2026-12-07 on the machine of that day's
/// `benches/RESULTS.md`, quiet (load average 0.5), beside this tree's.
pub(super) const SPLIT_BEFORE: [(usize, [Option<f64>; 6]); 2] = [
    (
        930,
        [
            Some(4.20),
            Some(2.19),
            Some(0.88),
            Some(1.73),
            None,
            Some(1.77),
        ],
    ),
    (
        4096,
        [
            Some(16.30),
            Some(10.15),
            Some(1.10),
            Some(1.96),
            Some(7.54),
            Some(5.25),
        ],
    ),
];
