//! The report's tables, as Markdown, and the number formats they share.

use core::fmt::Write as _;

use super::machine::Machine;
use super::results::*;
use super::targets::targets;
use super::*;

/// The report: tables and targets, as Markdown.
pub(super) fn report(r: &Results, machine: &Machine) -> String {
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

pub(super) fn header(s: &mut String, first: &str) {
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

pub(super) fn size_label(size: usize) -> String {
    match size {
        4096 => "4 KiB".to_owned(),
        16384 => "16 KiB".to_owned(),
        _ => format!("{size} B"),
    }
}

pub(super) const DOES_NOT_FIT: &str = "does not fit";

pub(super) fn timing_table(s: &mut String, r: &Results) {
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

pub(super) fn ratio_table(s: &mut String, r: &Results) {
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
pub(super) const CPU_SIZES: [(usize, &str); 3] = [(64, ""), (930, ""), (4096, "_z")];

/// A std subject's CPU time (`seal`/`open` + suffix) at `size`.
pub(super) fn cpu_ours(r: &Results, op: Op, size: usize, suffix: &str) -> Option<f64> {
    r.cpu_us(&format!("{}{suffix}", op.name()), size)
}

/// The `cookie` crate's CPU time at `size`.
pub(super) fn cpu_cookie(r: &Results, op: Op, size: usize) -> Option<f64> {
    r.cpu_us(&format!("cookie_{}", op.name()), size)
}

/// A cell of the cross-check table: the figure for an operation at a size
/// (with the std subject's suffix there).
type CpuCell<'a> = dyn Fn(Op, usize, &str) -> Option<f64> + 'a;

/// P3 and P4 again, from process CPU time.
pub(super) fn cpu_table(s: &mut String, r: &Results) {
    if r.cpu.is_none() {
        return;
    }
    s.push_str(
        "### CPU-time cross-check of P3 and P4\n\n\
         Process CPU time (user and system; time spent waiting for a core taken by other \
         work does not count), µs per operation: for Rust the median \
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

/// Rows of the nonce table that time a fork check alone, not a draw.
const CHECKS_ONLY: [&str; 2] = ["fork_generation", "getpid"];

/// The nonce sources, and what each adds to a seal.
pub(super) fn nonce_table(s: &mut String, r: &Results) {
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
            if CHECKS_ONLY.contains(&id) {
                String::new()
            } else {
                fmt_ns(ns)
            },
            if CHECKS_ONLY.contains(&id) {
                String::new()
            } else {
                fmt_ns(ns.map(|n| 2.0 * n))
            },
            opt_percent(draw(id).zip(seal_64).map(|(d, seal)| d / seal)),
        );
    }
    if let (Some(os), Some(before), Some(getrandom), Some(chacha), Some(generation), Some(getpid)) = (
        draw("os_random"),
        draw("chacha20_getpid"),
        draw("getrandom"),
        draw("chacha20_tls"),
        draw("fork_generation"),
        draw("getpid"),
    ) {
        let _ = writeln!(
            s,
            "\nPer draw, before and after issue 22: `OsRandom` {:.1} ns now, {:.1} ns with the \
             `getpid` check it made before ({:.1}× faster). Fork safety now costs {:.1} ns over \
             the same generator without any check ({:.1} ns): the fork-generation load alone is \
             {:.1} ns, where the `getpid` system call was {:.1} ns. One `getrandom` call, the \
             other fork-safe candidate: {:.0} ns ({:.0}× `OsRandom`; the kernel here offers \
             `getrandom` in the vDSO, but glibc uses it only from 2.41).",
            os * 1000.0,
            before * 1000.0,
            before / os,
            (os - chacha) * 1000.0,
            chacha * 1000.0,
            generation * 1000.0,
            getpid * 1000.0,
            getrandom * 1000.0,
            getrandom / os,
        );
    }
    s.push('\n');
}

/// Where a std session's open spends its time, before the redesign (the
/// last run's figures) and now.
pub(super) fn open_split_table(s: &mut String, r: &Results) {
    s.push_str(
        "### Open-time split, µs\n\n\
         One std session open and its parts, on the same cookie: 930 B with the defaults, \
         4 KiB compressed (the only way it fits). \"core\" is `Codec::open_to_vec` (base64, \
         EAX, inflate, copies and wipes); base64 is the decode as the core does it (now \
         base64-simd; before, base64ct in chunks); EAX is ours alone with the key expanded \
         per call (the core's is expanded once); JSON is `Session::from_json` (now: one \
         serde_json pass recording each member as spans into the text, and its checks; \
         before: a string and a boxed value per member). \"rest\" = open − core − JSON: \
         metadata, the absolute timeout, wiping; in an open the JSON is parsed in the \
         decrypted buffer itself, where `from_json` copies it first. The \"before\" rows \
         are the same bench at the commit named, run on this machine the same day.\n\n\
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
        let _ = writeln!(s, "| {label} | {SPLIT_BEFORE_RUN} | {} |", cells(&before));
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
    s.push('\n');
}

pub(super) fn length_table(s: &mut String, r: &Results) {
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

pub(super) fn compression_table(s: &mut String, r: &Results) {
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
pub(super) fn serde_json_features(s: &mut String, r: &Results) {
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

pub(super) fn us(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

pub(super) fn opt_us(value: Option<f64>) -> String {
    value.map_or_else(String::new, us)
}

pub(super) fn opt_percent(value: Option<f64>) -> String {
    value.map_or_else(String::new, |x| format!("{:.0} %", x * 100.0))
}

pub(super) fn opt_ratio(value: Option<f64>) -> String {
    value.map_or_else(String::new, |x| format!("{x:.2}×"))
}
