"""The course's headline figures, measured side by side in one run (`make bench`).

Prints one table and writes it as JSON to bench-results/ (gitignored). Every figure is
a median over repeats; where there is a baseline, the ratio is measured in the same
run (the PyTorch rivals in turns, A B A B ..., with linear_exercises.timing, the code
notebook 08 uses) and computed from the medians. This is not a test: nothing here
asserts a time. Runs on the CPU everywhere, with a fixed, printed number of PyTorch
threads, and adds the same PyTorch figures on a GPU when one is present (synchronizing
before every clock reading). The torch section includes a roofline: the memory
bandwidth (reading a 128 MiB tensor; a copy too), the peak (square matmuls), and for
nn.Linear(1000, 1000) at each batch size its arithmetic intensity and the fraction of
the roofline it attains.

    python benchmarks/bench.py                  # everything
    python benchmarks/bench.py --only torch     # sections: torch, startup, selfcheck, notebooks, grading
    python benchmarks/bench.py --quick          # fewer repeats
    python benchmarks/bench.py --threads 1      # PyTorch CPU threads (default: PyTorch's own choice)
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
RESULTS = REPO / "bench-results"


def _reference_package() -> Path:
    """A temporary folder holding the reference package (the solutions laid over linear_exercises/'s helpers)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_stubs_tool", REPO / "tools" / "make_stubs.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.temporary_reference_package()


SOLUTIONS = _reference_package()
sys.path.insert(0, str(SOLUTIONS))  # benchmark the reference solutions

ROWS: list[dict] = []
ROOFLINE: dict[str, dict] = {}  # device -> bandwidth, peak and the layer's points


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


# --------------------------------------------------------------------------- torch
def bench_torch(quick: bool, device: str) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    from linear_exercises import LowRankLinear, manual_linear
    from linear_exercises.timing import (linear_bytes, linear_flops, measure_bandwidth, speed_text,
                                         time_in_turns)

    sec = "torch" if device == "cpu" else f"torch-{device}"
    # GPU calls return before their work is done: wait for the device before every clock reading.
    sync = torch.cuda.synchronize if device == "cuda" else None
    rounds = 7 if quick else 21
    budget = 0.005 if quick else 0.01  # seconds of calls in a row per sample
    torch.manual_seed(0)

    def in_turns(fns):
        return time_in_turns(fns, rounds=rounds, budget=budget, sync=sync)

    # manual_linear vs F.linear
    for shape, n, m in [((64, 784), 784, 256), ((512, 1024), 1024, 1024), ((32, 128, 512), 512, 512)]:
        x = torch.randn(*shape, device=device)
        w = torch.randn(m, n, device=device)
        b = torch.randn(m, device=device)
        for bias in (b, None):
            t = in_turns({"F.linear": lambda: F.linear(x, w, bias),
                          "manual": lambda: manual_linear(x, w, bias)})
            label = f"manual_linear / F.linear {tuple(shape)}x({m},{n}) {'bias' if bias is not None else 'no bias'}"
            row(sec, label, t["manual"].median * 1e6, "us", t["F.linear"].median * 1e6,
                f"aim: within 5%; IQR {t['manual'].iqr * 1e6:.1f} vs {t['F.linear'].iqr * 1e6:.1f} us")

    # LowRankLinear(1000, 1000, 64) vs nn.Linear(1000, 1000)
    full = nn.Linear(1000, 1000).to(device)
    low = LowRankLinear(1000, 1000, 64).to(device)
    param_ratio = sum(p.numel() for p in full.parameters()) / sum(p.numel() for p in low.parameters())
    flop_ratio = (1000 * 1000) / (1000 * 64 + 64 * 1000)  # multiply-adds per input row
    row(sec, "parameter ratio Linear(1000,1000) / LowRank(64)", param_ratio, "x", note="1,001,000 / 129,064")
    row(sec, "multiply-add (FLOP) ratio Linear / LowRank(64)", flop_ratio, "x", note="10^6 / (2 x 64,000)")
    for batch in ([1, 64, 512] if quick else [1, 16, 64, 256, 1024]):
        x = torch.randn(batch, 1000, device=device)
        with torch.no_grad():
            t = in_turns({"full": lambda: full(x), "low": lambda: low(x)})
        speedup = t["full"].median / t["low"].median
        row(sec, f"forward speed-up LowRank(64) vs Linear, batch {batch}", speedup, "x",
            note=f"{speed_text(speedup)}; medians full {t['full'].median * 1e6:.0f} us "
                 f"(IQR {t['full'].iqr * 1e6:.0f}), low-rank {t['low'].median * 1e6:.0f} us "
                 f"(IQR {t['low'].iqr * 1e6:.0f}); FLOP ratio {flop_ratio:.1f}x")
        xg = x.clone().requires_grad_(True)
        t = in_turns({"full": lambda: full(xg).sum().backward(), "low": lambda: low(xg).sum().backward()})
        speedup = t["full"].median / t["low"].median
        row(sec, f"forward+backward speed-up LowRank(64) vs Linear, batch {batch}", speedup, "x",
            note=speed_text(speedup))

    # Roofline: memory bandwidth, peak, and where nn.Linear(1000, 1000) lands at each batch size
    bw = measure_bandwidth(128, rounds=rounds, device=device, sync=sync)
    bandwidth = max(bw["read"], bw["copy"])  # both are rates the memory delivers: the roof is the faster
    row(sec, "memory bandwidth: read (sum of a 128 MiB float32 tensor)", bw["read"], "GB/s",
        note=f"IQR {bw['read_iqr']:.1f} GB/s")
    row(sec, "memory bandwidth: copy of 128 MiB (read + write counted)", bw["copy"], "GB/s",
        note=f"IQR {bw['copy_iqr']:.1f} GB/s")
    row(sec, "memory roof of the roofline: the faster of the two", bandwidth, "GB/s")
    # The peak (square matmuls) and the layer's batch sizes are timed together, in turns,
    # so that both see the same machine, busy or not.
    sizes = (256, 512, 1024) if device == "cpu" else (2048, 4096, 8192)
    squares = {s: (torch.randn(s, s, device=device), torch.randn(s, s, device=device)) for s in sizes}
    n = m = 1000
    layer = nn.Linear(n, m).to(device)
    batches = [1, 4, 16, 64, 256, 1024]
    inputs = {bs: torch.randn(bs, n, device=device) for bs in batches}
    rivals = {f"square {s}": (lambda a=a, b=b: a @ b) for s, (a, b) in squares.items()}
    rivals.update({bs: (lambda bs=bs: layer(inputs[bs])) for bs in batches})
    with torch.no_grad():
        t = in_turns(rivals)
    rates = {f"square {s}": 2 * s**3 / t[f"square {s}"].median / 1e9 for s in sizes}
    rates.update({f"layer batch {bs}": linear_flops(bs, n, m) / t[bs].median / 1e9 for bs in batches})
    # The peak is the best median rate of all these products, so no fraction of it exceeds 1.
    peak_by = max(rates, key=rates.get)
    peak = rates[peak_by]
    row(sec, f"peak: best median rate, square matmuls {sizes} and the layer below", peak, "GFLOP/s",
        note=f"set by {peak_by}; " + ", ".join(f"{k}: {r:.0f}" for k, r in rates.items() if k.startswith("square")))
    ridge = peak / bandwidth
    row(sec, "ridge point: peak / bandwidth", ridge, "FLOP/B",
        note="below it a layer is limited by memory, above it by arithmetic")
    points = []
    for bs in batches:
        intensity = linear_flops(bs, n, m) / linear_bytes(bs, n, m)
        attained = linear_flops(bs, n, m) / t[bs].median / 1e9
        attainable = min(peak, intensity * bandwidth)
        points.append({"batch": bs, "intensity_flop_per_byte": intensity, "attained_gflops": attained,
                       "attainable_gflops": attainable, "attained_fraction": attained / attainable,
                       "fraction_of_peak": attained / peak, "median_s": t[bs].median, "iqr_s": t[bs].iqr})
        noise = " (above 1: noise, or the weight came from cache)" if attained > attainable else ""
        row(sec, f"roofline Linear(1000,1000) batch {bs}: intensity {intensity:.2f} FLOP/B", attained, "GFLOP/s",
            attainable, f"ratio = attained fraction of min(peak, intensity x bandwidth){noise}")
    ROOFLINE[device] = {"bandwidth_gbs": bandwidth, "read_bandwidth_gbs": bw["read"],
                        "copy_bandwidth_gbs": bw["copy"], "peak_gflops": peak, "peak_set_by": peak_by,
                        "rates_gflops": rates, "ridge_flop_per_byte": ridge, "layer": "nn.Linear(1000, 1000) forward", "points": points}

    # achieved GFLOP/s of nn.Linear against the peak measured above
    for batch, n, m in [(64, 784, 256), (256, 1024, 1024), (1024, 4096, 4096)]:
        layer = nn.Linear(n, m).to(device)
        x = torch.randn(batch, n, device=device)
        with torch.no_grad():
            t = in_turns({"layer": lambda: layer(x)})["layer"]
        gflops = 2 * batch * n * m / t.median / 1e9
        row(sec, f"nn.Linear({n}, {m}) forward, batch {batch}", gflops, "GFLOP/s", peak,
            "ratio = share of the measured peak" + (" (above 1: noise in either figure)" if gflops > peak else ""))

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
    parser.add_argument("--threads", type=int, default=None,
                        help="PyTorch CPU threads for the torch section (default: PyTorch's own choice)")
    args = parser.parse_args(argv)
    import torch

    from linear_exercises.timing import torch_threads

    threads = args.threads or torch.get_num_threads()

    sections = args.only or ["torch", "startup", "selfcheck", "notebooks", "grading"]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{threads} PyTorch threads (fixed for the torch section), CUDA: {torch.cuda.is_available()}")
    print(f"{'section':<10} {'figure':<58} {'value':>10} {'unit':<7} {'ratio':>8}")
    if "torch" in sections:
        with torch_threads(threads):
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
                               "torch": torch.__version__, "threads": threads, "roofline": ROOFLINE,
                               "rows": ROWS}, indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
