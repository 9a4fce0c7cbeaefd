#!/usr/bin/env bash
# Round trip between `backprop` and Python's safetensors:
#   1. backprop train xor --save A         (Swift writes)
#   2. Python loads A (numpy; PyTorch too if importable): names, shapes, dtypes, metadata,
#      finite values, and the values themselves (a numpy forward pass must solve XOR)
#   3. Python writes B = A + 0.25 with its own metadata
#   4. backprop inspect B                  (Swift reads Python's file)
#   5. backprop train xor --load B --epochs 1 --save C: one Adam step from B, so every
#      value of C is within the step size (0.05) of B, i.e. the loaded values were used
# Prints "skipped: …" and exits 0 when python3 or its safetensors/numpy is missing
# (pip install safetensors numpy).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null 2>&1; then
    echo "skipped: python3 is not installed"; exit 0
fi
if ! python3 -c "import numpy, safetensors.numpy" >/dev/null 2>&1; then
    echo "skipped: Python's safetensors or numpy is not installed (pip install safetensors numpy)"; exit 0
fi

swift build --product backprop >/dev/null
BIN="$(swift build --show-bin-path)/backprop"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "== 1. backprop train xor --save"
"$BIN" train xor --seed 3 --save "$TMP/a.safetensors"

echo "== 2-3. Python reads, checks, writes a modified file"
python3 - "$TMP" <<'PY'
import json, struct, sys
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

tmp = sys.argv[1]
a_path, b_path = f"{tmp}/a.safetensors", f"{tmp}/b.safetensors"

def check(cond, message):
    if not cond:
        print(f"FAIL: {message}")
        sys.exit(1)

everything = load_file(a_path)
# The parameters, and the optimizer state --save writes with them (Adam's m and v).
tensors = {k: v for k, v in everything.items() if not k.startswith("optimizer.")}
expected = {"0.W": (4, 2), "0.b": (4,), "2.W": (2, 4), "2.b": (2,)}
check(set(tensors) == set(expected), f"names {sorted(tensors)} != {sorted(expected)}")
state = {f"optimizer.{k}.{s}" for k in expected for s in "mv"}
check(set(everything) - set(tensors) == state, f"optimizer tensors {sorted(set(everything) - set(tensors))} != {sorted(state)}")
for name in state:
    check(everything[name].shape == expected[name.split(".", 1)[1].rsplit(".", 1)[0]], f"{name}: shape")
for name, shape in expected.items():
    t = tensors[name]
    check(t.shape == shape, f"{name}: shape {t.shape} != {shape}")
    check(t.dtype == np.float32, f"{name}: dtype {t.dtype} != float32")
    check(np.all(np.isfinite(t)), f"{name}: non-finite values")

with safe_open(a_path, framework="numpy") as f:
    meta = f.metadata()
check(meta.get("data") == "xor" and meta.get("sizes") == "2,4,2", f"metadata {meta}")
check(meta.get("optimizer.kind") == "Adam" and meta.get("optimizer.stepCount") == meta.get("epochs"), f"metadata {meta}")

# The raw layout, read independently of the safetensors package.
raw = open(a_path, "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
check(n % 8 == 0, f"header length {n} is not a multiple of 8")
for name in expected:
    begin, end = header[name]["data_offsets"]
    values = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype="<f4").reshape(expected[name])
    check(np.array_equal(values, tensors[name]), f"{name}: raw bytes disagree with safetensors")

# The values: the saved network (tanh hidden layer, logits out) must classify XOR.
x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
hidden = np.tanh(x @ tensors["0.W"].T + tensors["0.b"])
logits = hidden @ tensors["2.W"].T + tensors["2.b"]
check(list(np.argmax(logits, axis=1)) == [0, 1, 1, 0], f"numpy forward pass does not solve XOR: {logits}")
print(f"numpy: {len(tensors)} tensors, shapes and dtypes match, metadata {meta}, XOR solved by a numpy forward pass")

try:
    import torch
    from safetensors.torch import load_file as torch_load
    tt = torch_load(a_path)
    for name in expected:
        check(np.array_equal(tt[name].numpy(), tensors[name]), f"torch: {name} differs")
    print("torch: the same tensors")
except ImportError:
    print("torch: not importable, skipped")

modified = {name: (t + np.float32(0.25)).astype(np.float32) for name, t in tensors.items()}
save_file(modified, b_path, metadata={"written_by": "python", "data": "xor"})
print(f"wrote {b_path}")
PY

echo "== 4. backprop inspect (a file written by Python)"
"$BIN" inspect "$TMP/b.safetensors" | tee "$TMP/inspect.txt"
grep -q "4 tensors" "$TMP/inspect.txt"
grep -Eq "^0\.W +F32 +\[4, 2\] +32 bytes" "$TMP/inspect.txt"
grep -q "metadata written_by = python" "$TMP/inspect.txt"

echo "== 5. backprop train xor --load (a file written by Python)"
"$BIN" train xor --seed 3 --load "$TMP/b.safetensors" --epochs 1 --save "$TMP/c.safetensors" | tee "$TMP/train.txt"
grep -q "loaded parameters from $TMP/b.safetensors" "$TMP/train.txt"
python3 - "$TMP" <<'PY'
import sys
import numpy as np
from safetensors.numpy import load_file
tmp = sys.argv[1]
a, b, c = (load_file(f"{tmp}/{n}.safetensors") for n in "abc")
step = max(float(np.max(np.abs(c[k] - b[k]))) for k in b)
away = min(float(np.min(np.abs(c[k] - a[k]))) for k in b)
if not (step <= 0.0501 and away >= 0.19):
    print(f"FAIL: after one step from the Python file, max |C - B| = {step}, min |C - A| = {away}")
    sys.exit(1)
print(f"one Adam step from Python's values: max |C - B| = {step:.4f} <= 0.05, min |C - A| = {away:.4f}")
PY
echo "roundtrip: OK"
