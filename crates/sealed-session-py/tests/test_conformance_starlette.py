"""The lifecycle's conformance table (tests/conformance) against the
Starlette middleware: the shared runner, the same binary that checks the
tower, actix and Flask stacks, sends every row's request to the FastAPI
conformance app (apps/fastapi_app.py) under uvicorn on 127.0.0.1, and every
row must pass.

Opt-in (the default run deselects the `conformance` marker): `cargo xtask
ci` builds the runner and sets SEALED_SESSION_CONFORMANCE to it. Selected
without it, the test fails; it never skips.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from fastapi_app import create_conformance_app, serve

pytestmark = pytest.mark.conformance


def test_every_row_of_the_conformance_table_passes_under_uvicorn():
    runner = os.environ.get("SEALED_SESSION_CONFORMANCE")
    if not runner:
        pytest.fail("SEALED_SESSION_CONFORMANCE is not set: the path of the runner (cargo build -p sealed-session-conformance)")
    with serve(create_conformance_app) as url:
        result = subprocess.run([runner, url], capture_output=True, text=True, timeout=600)
    report = result.stdout
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|.*\| ([^|]*) \|$", report, flags=re.MULTILINE)
    failed = [(name, outcome) for name, outcome in rows if outcome.strip() != "pass"]
    assert result.returncode == 0 and not failed, f"{report}\n{result.stderr}"
    names = {name for name, _ in rows}
    assert {"status-500", "fail", "big-valid", "two-ids-a-then-b", "legacy-read", "refresh-due-none"} <= names
    assert len(rows) >= 33 and f"{len(rows)} of {len(rows)} rows passed." in report
