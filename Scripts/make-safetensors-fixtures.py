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
