"""Timing helpers shared by notebook 08 and benchmarks/bench.py.

A timing is only worth reading when it is taken with care. `time_in_turns` does four
things for you:

1. warms every function up first (the first call pays one-off costs);
2. times the rivals in turns, round after round (A B A B ...), so that a busy spell of
   the machine slows all of them, not only the one that happened to run then;
3. in each round, calls a function enough times in a row to last about `budget`
   seconds and keeps the mean time per call, so a call of a few microseconds is
   averaged over thousands of calls;
4. on a GPU, waits for the device (`sync`, e.g. torch.cuda.synchronize) before starting
   the clock and before reading it, since GPU calls return before their work is done.

Each function gets one sample per round. `Timing` reports their median and the spread
of the middle half (the interquartile range, IQR), which is what torch.utils.benchmark
reports too. Compare rivals through the ratio of their medians.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import torch


@contextmanager
def torch_threads(n: int):
    """Inside the block PyTorch uses n CPU threads; the previous setting comes back after."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class Timing:
    """Seconds per call, one sample per round."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def q1(self) -> float:
        return _quartiles(self.samples)[0]

    @property
    def q3(self) -> float:
        return _quartiles(self.samples)[2]

    @property
    def iqr(self) -> float:
        """The spread of the middle half of the samples (q3 - q1), in seconds."""
        return self.q3 - self.q1

    def rate(self, work: float) -> float:
        """Work per second at the median time: FLOPs per second if work is in FLOPs, bytes if bytes."""
        return work / self.median

    def rate_range(self, work: float) -> tuple[float, float]:
        """Work per second at the slow and the fast quartile of the time (work / q3, work / q1).

        The middle half of the rounds ran at rates between these two.
        """
        return work / self.q3, work / self.q1

    def __str__(self) -> str:
        return f"{self.median * 1e6:.1f} µs (IQR {self.iqr * 1e6:.1f} µs)"


def _quartiles(samples: list[float]) -> list[float]:
    if len(samples) < 2:
        return [samples[0]] * 3
    return statistics.quantiles(samples, n=4, method="inclusive")


def time_in_turns(fns: dict[str, Callable[[], object]], rounds: int = 7, budget: float = 0.01,
                  sync: Callable[[], object] | None = None) -> dict[str, Timing]:
    """Time several functions in turns; returns {name: Timing} (seconds per call).

    fns: {name: function of no arguments}. Every function is warmed up, then called in
    each of `rounds` rounds, one after the other, as many times in a row as fit in about
    `budget` seconds (at least once). sync, if given, runs before the clock starts and
    before it is read (pass torch.cuda.synchronize when timing on a GPU).
    """
    sync = sync or (lambda: None)
    calls = {}
    for name, fn in fns.items():  # warm up, and find how many calls fill the budget
        fn()
        sync()
        start = time.perf_counter()
        fn()
        sync()
        once = time.perf_counter() - start
        calls[name] = max(1, min(100_000, int(budget / max(once, 1e-9))))
    samples = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            sync()
            start = time.perf_counter()
            for _ in range(calls[name]):
                fn()
            sync()
            samples[name].append((time.perf_counter() - start) / calls[name])
    return {name: Timing(s) for name, s in samples.items()}


def speed_text(ratio: float) -> str:
    """'2.50 x faster' for a speed-up of 2.5; '4.00 x slower' for a speed-up of 0.25."""
    return f"{ratio:.2f} x faster" if ratio >= 1 else f"{1 / ratio:.2f} x slower"


def linear_flops(batch: int, n: int, m: int) -> int:
    """Forward FLOPs of nn.Linear(n, m) on `batch` rows: 2 * batch * n * m."""
    return 2 * batch * n * m


def linear_bytes(batch: int, n: int, m: int, bytes_per_number: int = 4) -> int:
    """Minimum bytes moved: read weight, bias and input once, write the output once."""
    return bytes_per_number * (m * n + m + batch * n + batch * m)


def memory_streams(mebibytes: int = 128, device: str = "cpu") -> dict[str, tuple[Callable[[], object], int]]:
    """Two ways to stream a large float32 tensor through memory: {name: (function, bytes it moves)}.

    "read": sum the tensor (each byte read once, nothing written).
    "copy": copy it into another tensor (each byte read once and written once: 2 x the bytes).
    Time the functions (with time_in_turns, alongside anything you want to compare with them)
    and divide the bytes by the median time to get a bandwidth. A copy usually shows less:
    before writing, the processor fetches the memory it writes into. A linear layer mostly
    reads (its weight), so "read" is its memory roof. Take a size well above the processor's
    caches (128 MiB is above most), or the figures measure the cache instead of the memory.
    """
    src = torch.randn(mebibytes * 2**20 // 4, device=device)
    dst = torch.empty_like(src)
    return {"read": (lambda: src.sum(), src.nbytes), "copy": (lambda: dst.copy_(src), 2 * src.nbytes)}


def measure_bandwidth(mebibytes: int = 128, rounds: int = 7, device: str = "cpu",
                      sync: Callable[[], object] | None = None) -> dict[str, float]:
    """Memory bandwidth in GB/s (10^9 bytes per second), read-only and for a copy (see memory_streams).

    The two are timed in turns, once per round. Returns {"read": GB/s, "copy": GB/s,
    "read_iqr": GB/s spread, "copy_iqr": ...}: rates at the median time, and the spread of
    the rates of the middle half of the rounds.
    """
    streams = memory_streams(mebibytes, device)
    times = time_in_turns({kind: fn for kind, (fn, _) in streams.items()}, rounds=rounds, budget=0, sync=sync)
    result = {}
    for kind, (_, nbytes) in streams.items():
        slow, fast = times[kind].rate_range(nbytes / 1e9)
        result[kind] = times[kind].rate(nbytes / 1e9)
        result[f"{kind}_iqr"] = fast - slow
    return result
