//! CI steps that run the core away from the host: as a wasm module under
//! Node, and as Cortex-M4F firmware under QEMU.

use std::path::PathBuf;
use std::process::Command;

use crate::workspace::{Workspace, display, succeeds};

/// Builds the wasm harness module (profile `size`) and the native tool it is
/// compared with, prints the module's size, and runs `node --test
/// tests/node/` with both paths in the environment.
///
/// # Errors
///
/// When a build or a Node test fails, or Node cannot be found or installed.
pub(crate) fn wasm_node_tests(ws: &Workspace) -> Result<(), String> {
    let target = "wasm32-unknown-unknown";
    ws.ensure_rustup_target(target)?;
    ws.run_cargo(&[
        "build",
        "-p",
        "wasm-harness",
        "--lib",
        "--profile",
        "size",
        "--target",
        target,
    ])?;
    ws.run_cargo(&[
        "build",
        "-p",
        "wasm-harness",
        "--bin",
        "wasm-harness-native",
    ])?;
    let target_dir = target_dir(ws)?;
    let module = target_dir.join(target).join("size/wasm_harness.wasm");
    let size = std::fs::metadata(&module)
        .map_err(|e| format!("cannot read {}: {e}", module.display()))?
        .len();
    println!("wasm module: {size} bytes ({})", module.display());
    ensure_apt_tool("node", "nodejs")?;
    let mut node = Command::new("node");
    node.args(["--test", "tests/node/"])
        .current_dir(&ws.root)
        .env("SEALED_SESSION_WASM", &module)
        .env(
            "SEALED_SESSION_NATIVE",
            target_dir.join("debug/wasm-harness-native"),
        );
    ws.run(&mut node)
}

/// Builds the bare-metal example for `thumbv7em-none-eabihf` (profile
/// `size`), prints its section sizes, runs it under QEMU with semihosting,
/// and checks that it prints the host build's transcript plus one line with
/// the codec's size on the device.
///
/// # Errors
///
/// When the build fails, a tool cannot be installed, or the firmware prints
/// anything else.
pub(crate) fn embedded_example(ws: &Workspace) -> Result<(), String> {
    let (target, example) = ("thumbv7em-none-eabihf", "sealed-session-embedded-example");
    ws.ensure_rustup_target(target)?;
    ws.run_cargo(&[
        "build",
        "-p",
        example,
        "--profile",
        "size",
        "--target",
        target,
    ])?;
    let firmware = target_dir(ws)?.join(target).join("size").join(example);
    ensure_apt_tool("llvm-size", "llvm")?;
    print!(
        "{}",
        stdout_of(Command::new("llvm-size").arg("-A").arg(&firmware))?
    );
    ensure_apt_tool("qemu-system-arm", "qemu-system-arm")?;
    let expected = stdout_of(&mut ws.cargo(["run", "--quiet", "-p", example]))?;
    let mut qemu = Command::new("timeout");
    qemu.args([
        "60",
        "qemu-system-arm",
        "-machine",
        "mps2-an386",
        "-cpu",
        "cortex-m4",
    ])
    .args([
        "-nographic",
        "-semihosting-config",
        "enable=on,target=native",
    ])
    .arg("-kernel")
    .arg(&firmware);
    let printed = stdout_of(&mut qemu)?;
    print!("{printed}");
    let device_line = printed
        .strip_prefix(expected.as_str())
        .filter(|rest| rest.starts_with("codec on the stack: ") && rest.lines().count() == 1);
    match device_line {
        Some(_) if !expected.is_empty() => Ok(()),
        _ => Err(format!(
            "the firmware printed\n{printed}\nbut the host build printed\n{expected}"
        )),
    }
}

/// Cargo's target directory, from `cargo metadata`.
pub(crate) fn target_dir(ws: &Workspace) -> Result<PathBuf, String> {
    let metadata = stdout_of(&mut ws.cargo(["metadata", "--format-version", "1", "--no-deps"]))?;
    let key = "\"target_directory\":\"";
    let start = metadata
        .find(key)
        .map(|at| at + key.len())
        .ok_or("cargo metadata names no target directory")?;
    let len = metadata[start..]
        .find('"')
        .ok_or("cargo metadata is cut short")?;
    Ok(PathBuf::from(&metadata[start..start + len]))
}

/// Installs the Debian `package` unless `tool --version` already runs.
fn ensure_apt_tool(tool: &str, package: &str) -> Result<(), String> {
    if succeeds(Command::new(tool).arg("--version")) {
        return Ok(());
    }
    println!("`{tool}` not found; installing the Debian package {package}");
    apt_install(&["--no-install-recommends", package])
}

/// `apt-get update`, then `apt-get install -y <args>`, non-interactive.
///
/// # Errors
///
/// When either command fails.
pub(crate) fn apt_install(args: &[&str]) -> Result<(), String> {
    let apt = |args: &[&str]| {
        let mut command = Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    stdout_of(&mut apt(&["update"]))?;
    let mut install = apt(&["install", "-y"]);
    install.args(args);
    stdout_of(&mut install)?;
    Ok(())
}

/// Prints and runs `command`, and returns its standard output; its standard
/// error goes to ours.
fn stdout_of(command: &mut Command) -> Result<String, String> {
    println!("$ {}", display(command));
    let output = command
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", display(command)))?;
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        return Err(format!("`{}` failed: {}", display(command), output.status));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("`{}` printed non-UTF-8", display(command)))
}
