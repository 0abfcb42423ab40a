"""PyTorch's conv_transpose2d and matmul on inputs given by a closed formula, for
linalg_parity_test.cpp: prints each result as one line "name v0 v1 ...", in float64.

The inputs are x[i] = sin(0.37·i + phase) over the flattened tensor, so the C++ side builds the
same tensors without any file exchange.
"""
import math
import sys

import torch


def wave(shape, phase):
    n = math.prod(shape)
    return torch.tensor([math.sin(0.37 * i + phase) for i in range(n)], dtype=torch.float64).reshape(shape)


def emit(name, t):
    print(name, " ".join(repr(float(v)) for v in t.flatten()))


def main():
    # conv_transpose2d: groups 2, stride 2, padding 1, output_padding 1, dilation (1, 2), bias.
    x = wave((2, 4, 3, 4), 0.0)
    w = wave((4, 3, 3, 3), 1.0)
    b = wave((6,), 2.0)
    y = torch.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                             groups=2, dilation=(1, 2))
    print("conv_shape", " ".join(str(s) for s in y.shape))
    emit("conv", y)
    # matmul: batch broadcast [2, 1, 3, 4] @ [3, 5, 4]ᵀ + bias [5].
    a = wave((2, 1, 3, 4), 0.5)
    m = wave((3, 5, 4), 1.5)
    bias = wave((5,), 2.5)
    emit("matmul", torch.matmul(a, m.transpose(-1, -2)) + bias)
    return 0


if __name__ == "__main__":
    sys.exit(main())
