#!/usr/bin/env python3
"""Makes the files for comparing the safetensors reader with Python's `safetensors` (the
Rust crate), and times the crate on them. Docs/Robustness.md has the figures.

    python3 Scripts/safetensors-compare.py make-header FILE [N]    # N (10^6) tiny F32 tensors
    python3 Scripts/safetensors-compare.py make-large FILE [MB]    # 8 F32 tensors, MB (2048) in all
    python3 Scripts/safetensors-compare.py open FILE               # crate: safe_open + keys (header only)
    python3 Scripts/safetensors-compare.py values FILE             # crate: every tensor into numpy, summed

Time with `/usr/bin/time -v` (peak RSS: "Maximum resident set size"); the Swift side is
`backprop-bench safetensors-read FILE [--values]`.
"""
import json, struct, sys, time


def make_header(path, n):
    # Written by hand (json + struct), in the format's own layout: 4 bytes per tensor.
    header = {f"t{i}": {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]} for i in range(n)}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(struct.pack("<f", 1.5) * n)


def make_large(path, megabytes):
    import numpy as np
    from safetensors.numpy import save_file
    per = megabytes * (1 << 20) // 8 // 4
    tensors = {f"w{k}": np.full(per, k + 0.5, dtype=np.float32) for k in range(8)}
    save_file(tensors, path)


def main():
    command, path = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    if command == "make-header":
        make_header(path, int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000)
    elif command == "make-large":
        make_large(path, int(sys.argv[3]) if len(sys.argv) > 3 else 2048)
    elif command == "open":
        from safetensors import safe_open
        with safe_open(path, framework="numpy") as f:
            print(json.dumps({"tool": "crate", "tensors": len(f.keys()), "seconds": time.perf_counter() - t0}))
    elif command == "values":
        from safetensors import safe_open
        total = 0.0
        with safe_open(path, framework="numpy") as f:
            keys = list(f.keys())
            for k in keys:
                total += float(f.get_tensor(k).astype("float64").sum())
        print(json.dumps({"tool": "crate", "tensors": len(keys), "sum": total, "seconds": time.perf_counter() - t0}))
    else:
        sys.exit(__doc__)


main()
