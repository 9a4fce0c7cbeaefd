#!/usr/bin/env python3
"""Runs every side-by-side comparison several times and prints the Markdown table of ratios
that Docs/Performance.md records, with the machine, its FMA peak and the commit.

Run from the project root after `swift build -c release --product backprop-bench`, with the
peers' environment (`bash ../shared/peers/setup_venv.sh`):

    $HOME/.peersvenv/bin/python Scripts/peers/ratios_table.py [--runs 5] [--scalar-runs 2]
                                                              [--no-models] [--rounds 3]

Each run is one `side_by_side.py matmul` and one `side_by_side.py mlp` (alternated, so a
slow minute of a shared host falls on both); then `--scalar-runs` runs of `scalar` and,
unless `--no-models`, one run of `Scripts/peers/models_side_by_side.py`. Every ratio in
the table is the median of the runs' ratios (above 1: Backprop is ahead); the figures
beside it are medians and ranges of the runs' figures, the best peer's taken from the
peer that set each run's ratio. The targets are issue 13's. Progress goes to stderr, the
table to stdout.
"""
import json
import os
import re
import statistics as st
import subprocess
import sys
import time

BENCH = os.environ.get("BACKPROP_BENCH", ".build/release/backprop-bench")
PEERS = os.environ.get("PEERS_DIR", os.path.join("..", "shared", "peers"))
HERE = os.path.dirname(os.path.abspath(__file__))

# workload key → (table label, unit, target as (bound, text) or None)
MATMUL = {"float32": "matmul 1024² float32, 2 threads", "float64": "matmul 1024² float64, 2 threads"}
MLP = {"2-2-2": ("MLP 2-2-2 step, compiled", 10), "2-4-1": ("MLP 2-4-1 step", 10),
       "784-128-10": ("MLP 784-128-10, batch 64", 1.3), "784-512-512-10": ("MLP 784-512-512-10, batch 256", 1.3)}
MODELS = {"cnn-digits": ("digits CNN step, batch 32", 1.2), "names": ("names character MLP step", 1.2),
          "names-transformer": ("names transformer step", None), "names-lstm": ("names LSTM step", None)}


def run(cmd):
    """stdout and stderr of `cmd`; exits with its stderr if it fails."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return p.stdout, p.stderr


def last_json(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    sys.exit("no JSON line in:\n" + text[-2000:])


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    peak = {}
    out, _ = run([BENCH, "peak"])
    for line in out.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            if d["threads"] == os.cpu_count():
                peak[d["dtype"]] = (d["gflops"], d["unit"])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return cpu, peak, commit


def fmt(x):
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def spread(values):
    return f"{fmt(st.median(values))} ({fmt(min(values))}–{fmt(max(values))})" if len(values) > 1 else fmt(values[0])


PEER_NAMES = {"jax": "JAX jit", "torch": "PyTorch", "numpy": "numpy", "numpy-skx": "numpy (SkylakeX)"}


def peer_names(names):
    return "/".join(sorted({PEER_NAMES.get(n, n) for n in names}))


def ratio_text(x):
    return f"{x:.1f}" if x >= 10 else f"{x:.3f}"


def verdict(ratio, bound):
    if bound is None:
        return "—"
    return f"≥ {bound:g} {'✓' if ratio >= bound else '✗'}"


def main():
    args = sys.argv[1:]

    def option(name, default):
        return int(args[args.index(name) + 1]) if name in args else default

    runs, scalar_runs, rounds = option("--runs", 5), option("--scalar-runs", 2), option("--rounds", 3)
    start = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    cpu, peak, commit = machine()
    side = [sys.executable, os.path.join(PEERS, "side_by_side.py")]
    figure = re.compile(r"^(\S+)\s+(\S+)\s+([\d.]+) (GFLOP/s|us/step)")
    mm = {dt: {"bp": [], "peer": [], "names": [], "ratio": []} for dt in MATMUL}
    ml = {net: {"bp": [], "peer": [], "names": [], "ratio": []} for net in MLP}
    for r in range(runs):
        for which, table in (("matmul", mm), ("mlp", ml)):
            print(f"run {r + 1}/{runs}: {which}", file=sys.stderr, flush=True)
            out, err = run(side + [which, "--rounds", str(rounds)])
            ratios = last_json(out)
            figures = {}
            for line in err.splitlines():
                m = figure.match(line)
                if m:
                    figures[(m.group(1), m.group(2))] = float(m.group(3))
            for key, row in table.items():
                best = ratios[key + "_best_peer"]
                row["ratio"].append(ratios[key])
                row["names"].append(best)
                row["bp"].append(figures[(key, "backprop")])
                row["peer"].append(figures[(key, best)])
    scalar = {"bp": [], "peer": [], "ratio": []}
    for r in range(scalar_runs):
        print(f"scalar {r + 1}/{scalar_runs}", file=sys.stderr, flush=True)
        out, err = run(side + ["scalar", "--rounds", str(rounds)])
        scalar["ratio"].append(last_json(out)["vs_swift_ad"])
        m = re.search(r"backprop ([\d.]+) ns/op, Swift compiler AD ([\d.]+)", err)
        if m:
            scalar["bp"].append(float(m.group(1)))
            scalar["peer"].append(float(m.group(2)))
    models, model_loss = {}, None
    if "--no-models" not in args:
        print("models", file=sys.stderr, flush=True)
        out, err = run([sys.executable, os.path.join(HERE, "models_side_by_side.py")])
        for m in re.finditer(r"^(\S+): Backprop compiled ([\d.]+) µs/step, PyTorch eager ([\d.]+) µs/step",
                             out + err, re.M):
            models[m.group(1)] = (float(m.group(2)), float(m.group(3)))
        ratios = last_json(out)
        model_loss = max(v for k, v in ratios.items() if k.endswith("_max_relative_loss_difference"))
    end = time.strftime("%H:%M", time.gmtime())

    peaks = ", ".join(f"{fmt(g)} GFLOP/s {dt}" for dt, (g, _) in sorted(peak.items()))
    unit = next(iter(peak.values()))[1] if peak else "?"
    print(f"### Side by side with the peers ({start}–{end} UTC)\n")
    print(f"{cpu}, {os.cpu_count()} processors, FMA peak ({unit}, all cores) {peaks}; commit {commit}. "
          f"Medians of {runs} alternated runs of `side_by_side.py matmul` and `mlp` ({rounds} round{'s' if rounds != 1 else ''} each), "
          f"{scalar_runs} of `scalar`" + (", 1 of `models_side_by_side.py`" if models else "") +
          " (`Scripts/peers/ratios_table.py`).\n")
    print("| workload | Backprop (median, range) | best peer (median, range) | ratio (median) | runs | target |")
    print("|---|---|---|---|---|---|")
    for dt, label in MATMUL.items():
        row = mm[dt]
        ratio = st.median(row["ratio"])
        frac = f", {st.median(row['bp']) / peak[dt][0]:.2f} of peak" if dt in peak else ""
        print(f"| {label} | {spread(row['bp'])} GFLOP/s{frac} | {peer_names(row['names'])} {spread(row['peer'])} | "
              f"**{ratio_text(ratio)}** | {', '.join(ratio_text(x) for x in row['ratio'])} | {verdict(ratio, 1.1)} |")
    for net, (label, bound) in MLP.items():
        row = ml[net]
        ratio = st.median(row["ratio"])
        print(f"| {label} | {spread(row['bp'])} µs | {peer_names(row['names'])} {spread(row['peer'])} µs | "
              f"**{ratio_text(ratio)}** | {', '.join(ratio_text(x) for x in row['ratio'])} | {verdict(ratio, bound)} |")
    if scalar["ratio"]:
        ratio = st.median(scalar["ratio"])
        print(f"| scalar chain, build + backward | {spread(scalar['bp'])} ns/op | Swift compiler AD "
              f"{spread(scalar['peer'])} | **{ratio:.3f}** | {', '.join(f'{x:.3f}' for x in scalar['ratio'])} | "
              f"{verdict(ratio, 2)} |")
    for name, (label, bound) in MODELS.items():
        if name in models:
            ours, torch = models[name]
            ratio = torch / ours
            print(f"| {label} | {fmt(ours)} µs | PyTorch eager {fmt(torch)} µs | **{ratio:.3f}** | {ratio:.3f} | "
                  f"{verdict(ratio, bound)} |")
    if model_loss is not None:
        print(f"\nThe models' losses agree with PyTorch's to {model_loss:.1e} (relative) over 5 steps.")


if __name__ == "__main__":
    main()
