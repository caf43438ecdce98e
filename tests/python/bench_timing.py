"""Timing helpers shared by the Python benchmarks: `tests/python/bench_python.py`
(run by `cargo xtask bench`) and the Python package's
`crates/sealed-session-py/bench/bench_python_package.py`.

Both time batches of calls sized to last about `sample_ms` each and take
medians over the batches, so they calibrate batches the same way."""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable


def calibrate(call: Callable[[], Any], sample_ms: float) -> int:
    """How many calls take about `sample_ms`: doubles a batch until it
    lasts a quarter of that, then scales it up."""
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            call()
        elapsed = time.perf_counter() - start
        if elapsed * 1000 >= sample_ms / 4 or batch >= 1 << 20:
            break
        batch *= 2
    return max(1, int(batch * (sample_ms / 1000) / max(elapsed, 1e-9)))


def median_us(call: Callable[[], Any], samples: int, sample_ms: float) -> tuple[float, float]:
    """Median per-call wall-clock and CPU time in microseconds over `samples`
    batches of about `sample_ms` each."""
    batch = calibrate(call, sample_ms)
    per_call = []
    per_call_cpu = []
    for _ in range(samples):
        start = time.perf_counter()
        start_cpu = time.process_time()
        for _ in range(batch):
            call()
        per_call_cpu.append((time.process_time() - start_cpu) / batch * 1e6)
        per_call.append((time.perf_counter() - start) / batch * 1e6)
    return statistics.median(per_call), statistics.median(per_call_cpu)
