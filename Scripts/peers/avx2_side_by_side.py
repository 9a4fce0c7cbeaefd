#!/usr/bin/env python3
"""An AVX2-only machine's ratios, measured on an AVX-512 one: every side capped at AVX2.

Run from the project root after `swift build -c release --product backprop-bench`, with the
peers' environment (`bash ../shared/peers/setup_venv.sh`):

    $HOME/.peersvenv/bin/python Scripts/peers/avx2_side_by_side.py matmul|mlp [--rounds 3]

`../shared/peers/side_by_side.py` compares each side's widest kernels. On a machine with
AVX-512 that leaves the AVX2 kernels (an EPYC's) unmeasured against the peers' own AVX2
paths. This script runs the same comparisons with every side capped at AVX2:

- Backprop: `backprop-bench matmul|mlp --kernel avx2` (GEMM, skinny and elementwise
  kernels; the epilogues, reductions and optimiser updates, compiled with target_clones,
  still take AVX-512, a few per cent of a training step);
- numpy: OpenBLAS's Haswell kernels (`OPENBLAS_CORETYPE=Haswell`);
- PyTorch: `MKL_ENABLE_INSTRUCTIONS=AVX2`, `ATEN_CPU_CAPABILITY=avx2`,
  `ONEDNN_MAX_CPU_ISA=AVX2`;

JAX is left out: with `XLA_FLAGS=--xla_cpu_max_isa=AVX2` (which caps XLA's own code
generation) its 1024² float32 product still ran at 192–245 GFLOP/s on a 2-core Emerald
Rapids Xeon whose two-core AVX2 FMA peak is about 185, so its matrix products do not
honour the cap (2026-12-04).

Rounds alternate Backprop and the peers; each figure is the median over rounds. The last
line is one JSON object of ratios (above 1: Backprop is ahead), like side_by_side.py's.
The FMA peak of the AVX2 unit is measured too (`backprop-bench peak`-style, through
`--kernel avx2`), so each Backprop figure carries its fraction of that peak.
"""
import json
import os
import statistics as st
import subprocess
import sys

BENCH = os.environ.get("BACKPROP_BENCH", ".build/release/backprop-bench")
PEERS = os.environ.get("PEERS_DIR", os.path.join("..", "shared", "peers"))
NETS = {"tiny222": "2-2-2", "xor241": "2-4-1", "mlp784s": "784-128-10", "mlp784l": "784-512-512-10"}
AVX2_ENV = {
    "OPENBLAS_CORETYPE": "Haswell",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
}


def lines(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    out = []
    for line in p.stdout.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def peer_env():
    env = dict(os.environ)
    env.update(AVX2_ENV)
    return env


def matmul(rounds):
    got, fractions = {}, {}
    for _ in range(rounds):
        for d in lines([BENCH, "matmul", "--sizes", "1024", "--threads", "2", "--kernel", "avx2"]):
            got.setdefault(("backprop", d["dtype"]), []).append(d["gflops"])
            fractions.setdefault(d["dtype"], []).append(d.get("fraction_of_peak", float("nan")))
        peers = lines([sys.executable, os.path.join(PEERS, "matmul.py"), "--sizes", "1024", "--threads", "2",
                       "--libs", "numpy,torch", "--reps", "5"], env=peer_env())[-1]
        for r in peers["results"]:
            got.setdefault((r["lib"], r["dtype"]), []).append(r["gflops"])
    med = {k: st.median(v) for k, v in got.items()}
    for k in sorted(med):
        print(f"{k[1]:8} {k[0]:10} {med[k]:8.1f} GFLOP/s (AVX2)", file=sys.stderr)
    res = {}
    for dt in ("float32", "float64"):
        best = max((v, k[0]) for k, v in med.items() if k[1] == dt and k[0] != "backprop")
        res[dt] = round(med[("backprop", dt)] / best[0], 3)
        res[dt + "_best_peer"] = best[1]
        res[dt + "_fraction_of_avx2_peak"] = round(st.median(fractions[dt]), 3)
    return res


def mlp(rounds):
    got = {}
    for _ in range(rounds):
        for d in lines([BENCH, "mlp", "--engine", "compiled", "--kernel", "avx2"]):
            got.setdefault((d["net"], "backprop"), []).append(d["us_per_step"])
        peers = lines([sys.executable, os.path.join(PEERS, "mlp_step.py"), "--nets", ",".join(NETS),
                       "--frameworks", "torch/2", "--reps", "5"], env=peer_env())[-1]
        for r in peers["results"]:
            if r.get("variant", "") == "nojit":
                continue
            got.setdefault((NETS[r["net"]], r["framework"]), []).append(r["median_us"])
    med = {k: st.median(v) for k, v in got.items()}
    for k in sorted(med):
        print(f"{k[0]:15} {k[1]:9} {med[k]:10.2f} us/step (AVX2)", file=sys.stderr)
    res = {}
    for net in NETS.values():
        best = min((v, k[1]) for k, v in med.items() if k[0] == net and k[1] != "backprop")
        res[net] = round(best[0] / med[(net, "backprop")], 3)
        res[net + "_best_peer"] = best[1]
    return res


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "matmul"
    if which not in ("matmul", "mlp"):
        sys.exit("usage: avx2_side_by_side.py matmul|mlp [--rounds 3]")
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    print(json.dumps({"matmul": matmul, "mlp": mlp}[which](rounds)))
