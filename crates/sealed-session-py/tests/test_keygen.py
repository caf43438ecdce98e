"""``python -m sealed_session keygen`` (issue 18, item 17): keys without the
Rust command line, and the one-liner the README documents."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import sealed_session as ss


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sealed_session", *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def test_keygen_prints_a_fresh_key_as_keyring_text():
    first, second = run("keygen"), run("keygen")
    assert first.returncode == 0 and first.stderr == ""
    assert first.stdout.startswith("1 ") and first.stdout.endswith("\n") and len(first.stdout) == 2 + 43 + 1
    assert first.stdout != second.stdout
    assert ss.Keyring.from_text(first.stdout).ids == [1]
    rotated = run("keygen", "--key-id", "2")
    assert ss.Keyring.from_text(rotated.stdout + first.stdout).ids == [2, 1]


def test_keygen_out_makes_a_private_file_and_never_overwrites(tmp_path):
    path = tmp_path / "session-keys"
    # The one-liner of the README, verbatim but for the path.
    made = run("keygen", "--out", str(path))
    assert made.returncode == 0, made.stderr
    assert made.stdout == "" and f"wrote key 1 to {path} (mode 0600)" in made.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    keyring = ss.Keyring.from_file(path)  # the permission check passes
    assert keyring.ids == [1]
    before = path.read_text()
    again = run("keygen", "--out", str(path))
    assert again.returncode == 1 and "exists; not overwriting" in again.stderr
    assert path.read_text() == before


def test_keygen_refuses_bad_arguments():
    for args in (("keygen", "--key-id", "256"), ("keygen", "--key-id", "-1"), ()):
        result = run(*args)
        assert result.returncode == 2 and result.stdout == ""
