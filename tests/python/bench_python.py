#!/usr/bin/env python3
"""Times the Python EncryptedSession cookie format (encrypted_session.py:
json.dumps, zlib above 1024 bytes, pycryptodome AES-EAX, base64) on the
payloads that `cargo xtask bench` generates, and prints the medians as JSON.

    python bench_python.py PAYLOADS.json [--samples N] [--sample-ms MS]

PAYLOADS.json is written by the `bench-facts` binary of the benches crate:
{"key_hex": "...", "payloads": {"<size>": {...session...}, ...}}.

Output: {"python": "3.x.y", "pycryptodome": "x.y.z",
         "sizes": {"<size>": {"seal_us": median, "open_us": median,
                              "seal_cpu_us": median, "open_cpu_us": median,
                              "cookie_len": n, "flag": "u"|"z"}}}
Each sample times a batch of calls lasting about --sample-ms; the median is
over --samples batches, in microseconds per call: wall-clock time
(`*_us`, as criterion measures), and this process's CPU time
(`*_cpu_us`, which time spent waiting for a busy core does not inflate;
`cargo xtask bench` cross-checks P3 with it)."""
from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import Crypto  # noqa: E402
import encrypted_session as es  # noqa: E402
from bench_timing import median_us  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("payloads", type=Path)
    p.add_argument("--samples", type=int, default=25)
    p.add_argument("--sample-ms", type=float, default=20.0)
    args = p.parse_args(argv)

    spec = json.loads(args.payloads.read_text())
    key = bytes.fromhex(spec["key_hex"])
    sizes: dict[str, Any] = {}
    for size, session in spec["payloads"].items():
        cookie = es.seal(key, session)
        if es.open_cookie(key, cookie) != session:
            print(f"size {size}: the cookie does not open to the session", file=sys.stderr)
            return 1
        seal_us, seal_cpu_us = median_us(lambda: es.seal(key, session), args.samples,
                                         args.sample_ms)
        open_us, open_cpu_us = median_us(lambda: es.open_cookie(key, cookie), args.samples,
                                         args.sample_ms)
        sizes[size] = {
            "seal_us": seal_us,
            "open_us": open_us,
            "seal_cpu_us": seal_cpu_us,
            "open_cpu_us": open_cpu_us,
            "cookie_len": len(cookie),
            "flag": cookie[0],
        }
    print(json.dumps({"python": platform.python_version(), "pycryptodome": Crypto.__version__,
                      "sizes": sizes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
