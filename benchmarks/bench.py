"""The course's headline figures, measured side by side in one run (`make bench`).

Prints one table and writes it as JSON to bench-results/ (gitignored). Every figure is
a median over repeats; where there is a baseline, the ratio is measured in the same
run. This is not a test: nothing here asserts a time. Runs on the CPU everywhere, and
adds the same PyTorch figures on a GPU when one is present.

    python benchmarks/bench.py                  # everything
    python benchmarks/bench.py --only torch     # sections: torch, startup, selfcheck, notebooks, grading
    python benchmarks/bench.py --quick          # fewer repeats
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
RESULTS = REPO / "bench-results"
sys.path.insert(0, str(SOLUTIONS))  # benchmark the reference solutions

ROWS: list[dict] = []


def row(section: str, name: str, value: float, unit: str, baseline: float | None = None,
        note: str = "") -> None:
    """Record one figure (and its ratio to a baseline measured in the same run) and print it."""
    ratio = value / baseline if baseline else None
    ROWS.append({"section": section, "name": name, "value": value, "unit": unit,
                 "baseline": baseline, "ratio": ratio, "note": note})
    ratio_s = f"{ratio:7.2f}x" if ratio is not None else " " * 8
    print(f"{section:<10} {name:<58} {value:>10.4g} {unit:<7} {ratio_s}  {note}", flush=True)


def median_time(fn, repeats: int, inner: int = 1) -> float:
    """Median wall time of fn() in seconds (each sample averages `inner` calls)."""
    fn()  # warm up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return statistics.median(samples)


def interleaved(fns: dict, repeats: int, inner: int) -> dict[str, float]:
    """Median times of several functions measured in alternation, so drift hits all alike."""
    for fn in fns.values():
        fn()
    samples = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[k].append((time.perf_counter() - start) / inner)
    return {k: statistics.median(v) for k, v in samples.items()}


# --------------------------------------------------------------------------- torch
def bench_torch(quick: bool, device: str) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    from linear_exercises import LowRankLinear, manual_linear

    sec = "torch" if device == "cpu" else f"torch-{device}"
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    reps = 7 if quick else 21
    torch.manual_seed(0)

    def timed(f):
        def g():
            f()
            sync()
        return g

    # manual_linear vs F.linear
    for shape, n, m in [((64, 784), 784, 256), ((512, 1024), 1024, 1024), ((32, 128, 512), 512, 512)]:
        x = torch.randn(*shape, device=device)
        w = torch.randn(m, n, device=device)
        b = torch.randn(m, device=device)
        for bias in (b, None):
            inner = max(1, int(2e8 / (2 * x.numel() * m)))
            t = interleaved({"F.linear": timed(lambda: F.linear(x, w, bias)),
                             "manual": timed(lambda: manual_linear(x, w, bias))}, reps, inner)
            label = f"manual_linear / F.linear {tuple(shape)}x({m},{n}) {'bias' if bias is not None else 'no bias'}"
            row(sec, label, t["manual"] * 1e6, "us", t["F.linear"] * 1e6, "aim: within 5%")

    # LowRankLinear(1000, 1000, 64) vs nn.Linear(1000, 1000)
    full = nn.Linear(1000, 1000).to(device)
    low = LowRankLinear(1000, 1000, 64).to(device)
    param_ratio = sum(p.numel() for p in full.parameters()) / sum(p.numel() for p in low.parameters())
    flop_ratio = (1000 * 1000) / (1000 * 64 + 64 * 1000)  # multiply-adds per input row
    row(sec, "parameter ratio Linear(1000,1000) / LowRank(64)", param_ratio, "x", note="1,001,000 / 129,064")
    row(sec, "multiply-add (FLOP) ratio Linear / LowRank(64)", flop_ratio, "x", note="10^6 / (2 x 64,000)")
    for batch in ([1, 64, 512] if quick else [1, 16, 64, 256, 1024]):
        x = torch.randn(batch, 1000, device=device)
        inner = max(1, int(64 / batch))
        with torch.no_grad():
            t = interleaved({"full": timed(lambda: full(x)), "low": timed(lambda: low(x))}, reps, inner)
        row(sec, f"forward speed-up LowRank(64) vs Linear, batch {batch}", t["full"] / t["low"], "x",
            note=f"full {t['full'] * 1e6:.0f} us, low-rank {t['low'] * 1e6:.0f} us; FLOP ratio {flop_ratio:.1f}x")
        xg = x.clone().requires_grad_(True)
        t = interleaved({"full": timed(lambda: full(xg).sum().backward()),
                         "low": timed(lambda: low(xg).sum().backward())}, reps, inner)
        row(sec, f"forward+backward speed-up LowRank(64) vs Linear, batch {batch}", t["full"] / t["low"], "x")

    # achieved GFLOP/s of nn.Linear vs this machine's peak (large square matmul)
    size = 2048 if device == "cpu" else 8192
    a, c = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    t_peak = median_time(timed(lambda: a @ c), 5 if quick else 9)
    peak = 2 * size ** 3 / t_peak / 1e9
    row(sec, f"peak: {size}x{size} matmul", peak, "GFLOP/s")
    for batch, n, m in [(64, 784, 256), (256, 1024, 1024), (1024, 4096, 4096)]:
        layer = nn.Linear(n, m).to(device)
        x = torch.randn(batch, n, device=device)
        with torch.no_grad():
            t = median_time(timed(lambda: layer(x)), reps, max(1, int(2e8 / (2 * batch * n * m))))
        row(sec, f"nn.Linear({n}, {m}) forward, batch {batch}", 2 * batch * n * m / t / 1e9, "GFLOP/s", peak,
            "ratio = share of the peak")

    # activation memory: what autograd keeps for backward, measured vs the formula
    if device == "cpu":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        for batch in (64, 1024):
            saved = {}

            def pack(t):
                saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
                return t

            x = torch.randn(batch, 784)
            with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                model(x).sum()
            params = {p.untyped_storage().data_ptr() for p in model.parameters()}
            measured = sum(v for k, v in saved.items() if k not in params)
            formula = 4 * batch * (784 + 256 + 128)  # float32 inputs of the three Linear layers
            row(sec, f"activation memory kept for backward, batch {batch}", measured / 1e6, "MB",
                formula / 1e6, "baseline = 4 B x batch x (784+256+128), the Linear inputs")


# --------------------------------------------------------------------------- start-up
def bench_startup(quick: bool) -> None:
    reps = 3 if quick else 5

    def run(code):
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)

    bare = median_time(lambda: run("pass"), reps)
    row("startup", "python -c pass", bare, "s")
    row("startup", "import torch", median_time(lambda: run("import torch"), reps), "s", bare)
    row("startup", "import torch, torchvision, matplotlib", median_time(
        lambda: run("import torch, torchvision, matplotlib.pyplot"), reps), "s", bare)

    def kernel():
        from jupyter_client.manager import start_new_kernel

        km, kc = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
        kc.execute_interactive("import torch", timeout=60)
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    row("startup", "Jupyter kernel start + import torch", median_time(kernel, reps), "s", bare)


# --------------------------------------------------------------------------- notebooks
def bench_notebooks(quick: bool) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import nbformat
    from nbclient import NotebookClient

    paths = sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
    if not paths:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

    def execute(path, threads):
        # Kernels running side by side share the cores: each gets its share of BLAS threads
        # (oversubscribed threads make small matrix products many times slower).
        env = {**os.environ, "PYTHONPATH": str(SOLUTIONS), "LINEAR_COURSE_OFFLINE": "1",
               "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        env.pop("MPLBACKEND", None)
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute(env=env, stderr=subprocess.DEVNULL)
        return path.name, time.perf_counter() - start

    start = time.perf_counter()
    serial = [execute(p, cores) for p in paths]
    t_serial = time.perf_counter() - start
    for name, t in serial:
        row("notebooks", f"{name} (kernel start included)", t, "s")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=cores) as pool:
        list(pool.map(lambda p: execute(p, 1), paths))
    t_parallel = time.perf_counter() - start
    row("notebooks", f"all {len(paths)} notebooks, one after another", t_serial, "s")
    row("notebooks", f"all {len(paths)} notebooks, {cores} at a time (1 thread each)", t_parallel, "s", t_serial)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None,
                        help="sections to run: torch startup selfcheck notebooks grading")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    import torch

    sections = args.only or ["torch", "startup", "selfcheck", "notebooks", "grading"]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, CUDA: {torch.cuda.is_available()}")
    print(f"{'section':<10} {'figure':<58} {'value':>10} {'unit':<7} {'ratio':>8}")
    if "torch" in sections:
        bench_torch(args.quick, "cpu")
        if torch.cuda.is_available():
            bench_torch(args.quick, "cuda")
    if "startup" in sections:
        bench_startup(args.quick)
    if "notebooks" in sections:
        bench_notebooks(args.quick)
    if "selfcheck" in sections or "grading" in sections:  # benchmarks/bench_grading.py, same table
        sys.path.insert(0, str(REPO / "benchmarks"))
        import bench_grading

        bench_grading.bench(students=10 if args.quick else 20, repeats=2 if args.quick else 3, emit=row,
                            sections=[s for s in ("selfcheck", "grading") if s in sections])
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"machine": platform.platform(), "cores": os.cpu_count(),
                               "torch": torch.__version__, "rows": ROWS}, indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
