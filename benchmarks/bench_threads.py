"""How many CPU threads should the lessons train with? Prints step times side by side.

For a few model sizes and batch sizes it times training steps (forward, backward, SGD
step) with 1 thread and with every core, first alone, then with a second process doing
the same at the same time (two notebooks open at once, or the test suite's two kernels).
The figures chose ONE_THREAD_BELOW in linear_exercises/training.py: below it 1 thread is
faster or no slower in both settings.

    .venv/bin/python benchmarks/bench_threads.py [--steps 60]

Measure when nothing else runs: the "side by side" rows make their own load.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the course's helpers
from linear_exercises.timing import torch_threads  # noqa: E402
from linear_exercises.training import make_mlp  # noqa: E402

CASES = [([784, 10], 64), ([784, 256, 128, 10], 64), ([784, 256, 128, 10], 256),
         ([784, 1024, 1024, 10], 256), ([2048, 2048, 2048, 10], 512)]


def step_seconds(sizes: list[int], batch: int, threads: int, steps: int) -> float:
    """Median seconds of one SGD training step (after a warm-up)."""
    torch.manual_seed(0)
    model = make_mlp(sizes)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(batch, sizes[0]), torch.randint(0, sizes[-1], (batch,))
    times = []
    with torch_threads(threads):
        for i in range(steps + 5):
            start = time.perf_counter()
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i >= 5:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def _side_by_side(args) -> float:
    barrier, sizes, batch, threads, steps = args
    barrier.wait()
    return step_seconds(sizes, batch, threads, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    steps = parser.parse_args().steps
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cores} cores, torch {torch.__version__}, load average {os.getloadavg()[0]:.2f}; "
          f"median ms per training step")
    print(f"{'model':>22} {'batch':>6} {'MACs/step':>11} | {'alone 1':>8} {f'alone {cores}':>8} | "
          f"{'2 procs 1':>9} {f'2 procs {cores}':>10}")
    ctx = mp.get_context("spawn")
    for sizes, batch in CASES:
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        row = [step_seconds(sizes, batch, t, steps) for t in (1, cores)]
        for threads in (1, cores):
            with ctx.Manager() as manager:
                barrier = manager.Barrier(2)
                with ctx.Pool(2) as pool:
                    row.append(max(pool.map(_side_by_side, [(barrier, sizes, batch, threads, steps)] * 2)))
        name = "-".join(map(str, sizes))
        print(f"{name:>22} {batch:>6} {3 * weights * batch:>11,} | "
              + " ".join(f"{1e3 * t:>8.2f}" for t in row[:2]) + " | "
              + f"{1e3 * row[2]:>9.2f} {1e3 * row[3]:>10.2f}")


if __name__ == "__main__":
    main()
