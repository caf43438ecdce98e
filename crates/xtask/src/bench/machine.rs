//! What the run ran on, the load it ran under, and `RESULTS.md` around
//! the report.

use std::fs;

use serde_json::Value;

use super::results::Results;
use super::*;

/// What the run ran on.
pub(super) struct Machine {
    pub(super) cpu: String,
    pub(super) cores: usize,
    pub(super) flags: String,
    pub(super) rustc: String,
    pub(super) openssl: String,
    pub(super) python: String,
    pub(super) date: String,
    /// How loaded the machine was while measuring.
    pub(super) load: String,
}

impl Machine {
    pub(super) fn probe(r: &Results) -> Self {
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
            .and_then(Value::as_str)
            .unwrap_or_default();
        let pycryptodome = r
            .python
            .get("pycryptodome")
            .and_then(Value::as_str)
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

    pub(super) fn summary(&self) -> String {
        format!(
            "{}, {} cores ({}); {}; {}; {}",
            self.cpu, self.cores, self.flags, self.rustc, self.openssl, self.python
        )
    }
}

/// The load averages sampled during the run, in one sentence.
pub(super) fn load_summary(load: Option<&Value>) -> String {
    let samples: Vec<(String, f64)> = load
        .and_then(|load| load.get("samples"))
        .map(|samples| match samples {
            Value::Array(items) => items
                .iter()
                .filter_map(|item| {
                    let at = item.get("at")?.as_str()?.to_owned();
                    match item.get("load")? {
                        Value::Array(values) => Some((at, values.first()?.as_f64()?)),
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
    // The benchmarks themselves keep one CPU of two busy: a load average
    // near 1. More means other work ran beside them.
    let machine = if max <= 1.6 {
        "quiet: nothing but the benchmarks ran (they keep one of the two CPUs busy)"
    } else {
        "**not quiet**: other work shared the machine's two CPUs with the benchmarks, \
         which keep one busy"
    };
    format!(
        "1-minute load average {min:.2}–{max:.2} while measuring (after each step: {}); {machine}",
        steps.join(", ")
    )
}

/// `benches/RESULTS.md`: the date, the machine and the report.
pub(super) fn results_md(
    report: &str,
    machine: &Machine,
    python_package: &str,
    js_package: &str,
) -> String {
    format!(
        "# Benchmark results\n\n\
         Recorded by `cargo xtask bench` on {date}. One run: compare the ratios, not \
         absolute times across runs or machines; medians are quoted, and a ratio near its \
         target can land on either side of it from one run to the next.\n\n{report}\n\
         ### The Python package (`crates/sealed-session-py/bench/bench_python_package.py`, \
         same run)\n\n\
         Goals (issue 13): at least 20x faster than EncryptedSession at 1 KiB, and no slower \
         than Flask's default signed cookie at every size, while encrypting.\n\n\
         {python_package}\n\
         ### The npm package (`js/bench/bench.mjs` and `js/bench/size.mjs`, same run)\n\n\
         Goals (issue 20): at least 10x faster than iron-session's `sealData`/`unsealData` \
         at 64 B and 1 KiB, with AES in WebAssembly; the module (WASM and JavaScript) at \
         most 80 KB gzipped.\n\n\
         {js_package}",
        date = machine.date,
    )
}

/// The Python package benchmark's output, in the run's directory.
pub(super) const PYTHON_PACKAGE: &str = "python_package.md";

/// The npm package benchmark's output, in the run's directory.
pub(super) const JS_PACKAGE: &str = "js_package.md";

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock.
pub(crate) fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
pub(super) fn date_from_days(days: i64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_days() {
        assert_eq!(date_from_days(0), "1970-01-01");
        assert_eq!(date_from_days(19_782), "2024-02-29");
        assert_eq!(date_from_days(20_454), "2026-01-01");
    }
}
