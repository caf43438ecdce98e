//! The Python virtual environment the interop tests run against.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::workspace::Workspace;

/// Installed when `tests/python/requirements.txt` does not exist (yet).
const DEFAULT_REQUIREMENTS: &str = "pycryptodome\n";

/// Makes sure `<root>/target/venv` exists and holds the packages in
/// `<root>/tests/python/requirements.txt` (or just `pycryptodome` when that
/// file is missing), and returns the path of the venv's `python`.
///
/// A stamp file in the venv keeps the requirements last installed; pip runs
/// only when they differ, so repeated CI runs stay offline and fast.
///
/// # Errors
///
/// When `python3 -m venv`, reading the requirements or `pip install` fails.
pub(crate) fn ensure_python_venv(ws: &Workspace) -> Result<PathBuf, String> {
    let venv = ws.root.join("target").join("venv");
    let python = venv_python(&venv);
    if !python.exists() {
        let mut create = Command::new("python3");
        create
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .current_dir(&ws.root);
        ws.run(&mut create)?;
    }

    let requirements_file = ws
        .root
        .join("tests")
        .join("python")
        .join("requirements.txt");
    let requirements = if requirements_file.exists() {
        fs::read_to_string(&requirements_file)
            .map_err(|e| format!("cannot read {}: {e}", requirements_file.display()))?
    } else {
        DEFAULT_REQUIREMENTS.to_owned()
    };
    let stamp = venv.join("xtask-requirements.txt");
    if fs::read_to_string(&stamp).is_ok_and(|installed| installed == requirements) {
        return Ok(python);
    }

    let mut install = Command::new(&python);
    install
        .args(["-m", "pip", "install", "--disable-pip-version-check", "-q"])
        .current_dir(&ws.root);
    if requirements_file.exists() {
        install.arg("-r").arg(&requirements_file);
    } else {
        install.args(DEFAULT_REQUIREMENTS.split_whitespace());
    }
    ws.run(&mut install)?;
    fs::write(&stamp, &requirements)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}

/// The interpreter inside the venv at `venv`.
fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}
