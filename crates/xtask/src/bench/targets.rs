//! P1–P7, the performance targets, each `met` or `missed` as measured.

use core::fmt::Write as _;

use super::results::*;
use super::tables::*;
use super::*;

/// P3 (`python`) or P4 from the CPU-time cross-check: whether it holds,
/// and the ratios, seal/open per size (`None` when not recorded).
pub(super) fn cpu_verdict(r: &Results, python: bool) -> (Option<bool>, String) {
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
pub(super) fn targets(s: &mut String, r: &Results) {
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
