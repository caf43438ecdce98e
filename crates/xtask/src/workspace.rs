//! The workspace root, the cargo binary, and running commands from there.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where commands run and which cargo runs them.
pub(crate) struct Workspace {
    /// The workspace root (the directory holding the root `Cargo.toml`).
    pub(crate) root: PathBuf,
    /// The cargo binary: `$CARGO` (set by `cargo run`), else `cargo`.
    cargo: OsString,
}

impl Workspace {
    /// The workspace two levels above this crate, and the cargo from `$CARGO`.
    pub(crate) fn from_env() -> Self {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .ancestors()
            .nth(2)
            .unwrap_or(manifest_dir)
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Self { root, cargo }
    }

    /// A `cargo <args>` command that runs in the workspace root.
    pub(crate) fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(&self.cargo);
        command.args(args).current_dir(&self.root);
        command
    }

    /// Prints `command` and runs it with inherited output.
    ///
    /// # Errors
    ///
    /// When the command cannot be started or exits unsuccessfully.
    pub(crate) fn run(&self, command: &mut Command) -> Result<(), String> {
        println!("$ {}", display(command));
        let status = command
            .status()
            .map_err(|e| format!("cannot run `{}`: {e}", display(command)))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed: {status}", display(command)))
        }
    }

    /// Runs `cargo <args>` from the workspace root; see [`Workspace::run`].
    ///
    /// # Errors
    ///
    /// When cargo fails.
    pub(crate) fn run_cargo(&self, args: &[&str]) -> Result<(), String> {
        self.run(&mut self.cargo(args))
    }

    /// Installs `cargo <subcommand>` from crates.io (`cargo install <package>
    /// --locked`) unless `cargo <subcommand> --version` already works.
    ///
    /// # Errors
    ///
    /// When the install fails.
    pub(crate) fn ensure_cargo_tool(&self, subcommand: &str, package: &str) -> Result<(), String> {
        if succeeds(&mut self.cargo([subcommand, "--version"])) {
            return Ok(());
        }
        println!("`cargo {subcommand}` not found; installing {package}");
        self.run_cargo(&["install", package, "--locked"])
    }

    /// Adds the rustup target `triple` unless it is already installed.
    ///
    /// # Errors
    ///
    /// When rustup cannot list or add targets.
    pub(crate) fn ensure_rustup_target(&self, triple: &str) -> Result<(), String> {
        let output = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .current_dir(&self.root)
            .output()
            .map_err(|e| format!("cannot run rustup: {e}"))?;
        let installed = String::from_utf8_lossy(&output.stdout);
        if output.status.success() && installed.lines().any(|line| line.trim() == triple) {
            return Ok(());
        }
        let mut add = Command::new("rustup");
        add.args(["target", "add", triple]).current_dir(&self.root);
        self.run(&mut add)
    }
}

/// Whether `command` runs and exits successfully, with its output discarded.
pub(crate) fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A command as a shell line: its environment settings, program and arguments.
pub(crate) fn display(command: &Command) -> String {
    let env = command.get_envs().filter_map(|(key, value)| {
        value.map(|value| format!("{}={}", key.to_string_lossy(), value.to_string_lossy()))
    });
    let program = Path::new(command.get_program())
        .file_name()
        .unwrap_or(command.get_program())
        .to_string_lossy()
        .into_owned();
    let args = command
        .get_args()
        .map(|arg| arg.to_string_lossy().into_owned());
    env.chain([program])
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}
