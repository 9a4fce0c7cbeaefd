#!/usr/bin/env python3
"""Writes the safetensors fixtures in Tests/BackpropNNTests/Fixtures with Python's
`safetensors` package (pip install safetensors numpy). The values are simple closed
forms so the Swift tests can check every element without reading Python's output:
    0.W[i][j] = (i + 1) + (j + 1) / 10      shape [4, 3]
    0.b[i]    = -(i + 1) / 4                 shape [4]
    2.W[i][j] = i - j / 8                    shape [2, 4]
    2.b[i]    = 1 / (i + 2)                  shape [2]
"""
import os
import numpy as np
from safetensors.numpy import save_file

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "BackpropNNTests", "Fixtures")
os.makedirs(here, exist_ok=True)

def tensors(dtype):
    return {
        "0.W": np.array([[(i + 1) + (j + 1) / 10 for j in range(3)] for i in range(4)], dtype=dtype),
        "0.b": np.array([-(i + 1) / 4 for i in range(4)], dtype=dtype),
        "2.W": np.array([[i - j / 8 for j in range(4)] for i in range(2)], dtype=dtype),
        "2.b": np.array([1 / (i + 2) for i in range(2)], dtype=dtype),
    }

save_file(tensors(np.float32), os.path.join(here, "mlp-3-4-2-f32.safetensors"), metadata={"written_by": "python safetensors"})
save_file(tensors(np.float64), os.path.join(here, "mlp-3-4-2-f64.safetensors"))
save_file({"x": np.arange(6, dtype=np.float16).reshape(2, 3)}, os.path.join(here, "f16.safetensors"))
print("wrote fixtures to", os.path.normpath(here))

# Rounding to F16: numpy's float64 → float16 conversion rounds to nearest, ties to even,
# in one step; "h" is the reference for the Swift encoder's rounding of "x".
x = np.array([1 + 2**-11, 1 + 3 * 2**-11, 65504, 65519.99, 65520 - 1e-9, 2**-25, 3 * 2**-25, 2**-24 * 1.5, 2**-14 - 2**-25,
              -0.0, 1e-8, 0.1, 1 / 3, -2.5e-5, 1000.25, 2049, 2051, -65504, 6.1e-5, 5.96e-8], dtype=np.float64)
save_file({"x": x, "h": x.astype(np.float16)}, os.path.join(here, "f16-rounding.safetensors"),
          metadata={"written_by": "numpy float16 (round to nearest even)"})
