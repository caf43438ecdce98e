"""Shared fixtures. The tests import the *installed* sealed_session (the
wheel), never the source tree: see test_installed_wheel.py."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PYTHON_HELPERS = REPO / "tests" / "python"
DATA = REPO / "tests" / "data"
APPS = Path(__file__).resolve().parent / "apps"

# The EncryptedSession re-implementation and Flask cookie tools of the Rust
# interop tests, and the test apps.
for path in (PYTHON_HELPERS, APPS):
    if str(path) not in sys.path:
        sys.path.append(str(path))

UTC = datetime.timezone.utc
#: Key text of the tests: key 1 is bytes(range(32)), key 2 is bytes 0x20..0x3f.
KEY1 = bytes(range(32))
KEY2 = bytes(range(32, 64))
KEYS_1 = f"1 {KEY1.hex()}\n"
KEYS_2_THEN_1 = f"2 {KEY2.hex()}\n1 {KEY1.hex()}\n"
T0 = 1_800_000_000


def at(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, UTC)


@pytest.fixture
def keyring():
    import sealed_session

    return sealed_session.Keyring.from_text(KEYS_1)
