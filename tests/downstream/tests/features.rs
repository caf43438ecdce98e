//! What Cargo actually builds for this crate: serde_json's features, from
//! `cargo tree`. None of the behaviour-changing ones may be on.

use std::path::Path;
use std::process::Command;

/// serde_json features that change how a user's JSON behaves.
const FORBIDDEN: [&str; 4] = [
    "arbitrary_precision",
    "preserve_order",
    "float_roundtrip",
    "unbounded_depth",
];

#[test]
fn serde_json_has_no_behaviour_changing_feature() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["tree", "--edges", "features", "--invert", "serde_json"])
        .args(["--target", "all", "--prefix", "none", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run cargo tree");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo tree failed: {stderr}");
    let tree = String::from_utf8(output.stdout).unwrap();
    // It saw the graph: serde_json itself, the feature the app asked for,
    // and the one sealed-session turns on (additive).
    assert!(
        tree.lines().any(|l| l.starts_with("serde_json v1.")),
        "{tree}"
    );
    assert!(tree.contains(r#"serde_json feature "default""#), "{tree}");
    assert!(tree.contains(r#"serde_json feature "raw_value""#), "{tree}");
    assert!(tree.contains("sealed-session v"), "{tree}");
    for feature in FORBIDDEN {
        assert!(
            !tree.contains(&format!(r#"serde_json feature "{feature}""#)),
            "serde_json feature {feature:?} is on in a crate that depends on sealed-session:\n{tree}"
        );
    }
}
