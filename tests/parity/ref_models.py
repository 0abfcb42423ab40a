"""PyTorch reference implementations of the networks llie must match numerically.

This module defines the flagship SAD-FPN U-Net (docs: flagship-model.md, models/sadfpn_unet.llie)
and Zero-DCE's DCE-Net (model-zoo §2.1, models/zero_dce.llie) as plain torch.nn.Modules whose
state_dict() keys are exactly the parameter names llie gives by block path (for example
"e2.0.dw.bn.running_var", "fpn.lateral.3.bias", "e_conv7.weight"), so one weights file feeds both.
It also provides `enhance_padded`, the flagship's inference wrapper for sides that are not
multiples of 16. Run it directly (`python3 tests/parity/ref_models.py`) for a self-check of the
parameter names, counts and output shapes. Inference only: BatchNorm is used in eval mode.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "ConvBN", "InvertedResidual", "SadFpnUnet", "ZeroDCE", "enhance_padded",
    "build_model", "expected_param_names", "OUTPUT_NAMES",
]

# Output names in the order llie's models return them.
OUTPUT_NAMES = {
    "sadfpn_unet": ("y", "e1", "e2", "e3", "e4"),
    "zero_dce": ("enhanced", "A", "y4"),
}

BN_EPS = 1e-5


class ConvBN(nn.Module):
    """conv k x k (pad k//2, no bias) + BatchNorm + activation ("relu", "relu6" or "none").

    Parameters: conv.weight, bn.{weight,bias,running_mean,running_var} (std/nn.llie ConvBN)."""

    def __init__(self, cin, cout, k=3, stride=1, groups=1, act="relu"):
        super().__init__()
        assert act in ("relu", "relu6", "none")
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=0.1)
        self.act = act

    def forward(self, x):
        y = self.bn(self.conv(x))
        if self.act == "relu":
            y = F.relu(y)
        elif self.act == "relu6":
            y = F.relu6(y)
        return y


class InvertedResidual(nn.Module):
    """MobileNetV2 inverted residual with a linear bottleneck, expansion t (model-zoo §8.1).

    expand: 1x1 ConvBN + ReLU6; dw: 3x3 depthwise ConvBN (stride s) + ReLU6; project: 1x1 ConvBN,
    no activation; identity residual when stride == 1 and cin == cout."""

    def __init__(self, cin, cout, stride=1, t=4):
        super().__init__()
        hidden = cin * t
        self.expand = ConvBN(cin, hidden, 1, act="relu6")
        self.dw = ConvBN(hidden, hidden, 3, stride=stride, groups=hidden, act="relu6")
        self.project = ConvBN(hidden, cout, 1, act="none")
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        h = self.project(self.dw(self.expand(x)))
        return x + h if self.residual else h


class FPN(nn.Module):
    """Top-down FPN on the five skips e0..e4: laterals 1x1 -> 64 (bias), nearest 2x, 3x3 smooth."""

    def __init__(self, in_channels=(64, 64, 128, 256, 256), width=64):
        super().__init__()
        self.lateral = nn.ModuleList([nn.Conv2d(c, width, 1, bias=True) for c in in_channels])
        self.smooth = nn.ModuleList(
            [nn.Conv2d(width, width, 3, padding=1, bias=True) for _ in range(len(in_channels) - 1)])

    def forward(self, e):
        p = self.lateral[4](e[4])
        smooth = [None] * 4
        for i in (3, 2, 1, 0):
            p = self.lateral[i](e[i]) + F.interpolate(p, scale_factor=2, mode="nearest")
            smooth[i] = self.smooth[i](p)
        return smooth


class SadFpnUnet(nn.Module):
    """The flagship: deep stem, inverted-residual encoder, FPN skips, bilinear decoder.

    forward(x) returns (y, e1, e2, e3, e4) like models/sadfpn_unet.llie; H, W multiples of 16."""

    DEC_WIDTHS = (32, 64, 64, 128)  # dec.0 .. dec.3

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(ConvBN(3, 64), ConvBN(64, 64))
        self.e1 = nn.Sequential(InvertedResidual(64, 64, 2), InvertedResidual(64, 64))
        self.e2 = nn.Sequential(InvertedResidual(64, 128, 2), InvertedResidual(128, 128))
        self.e3 = nn.Sequential(InvertedResidual(128, 256, 2), InvertedResidual(256, 256))
        self.e4 = nn.Sequential(InvertedResidual(256, 256, 2), InvertedResidual(256, 256))
        self.fpn = FPN()
        dec = []
        # Decoder stage i consumes cat(upsampled d_{i+1}, S_i); built in index order 0..3.
        up_ch = {3: 256, 2: self.DEC_WIDTHS[3], 1: self.DEC_WIDTHS[2], 0: self.DEC_WIDTHS[1]}
        for i in range(4):
            c = self.DEC_WIDTHS[i]
            dec.append(nn.Sequential(ConvBN(up_ch[i] + 64, c), ConvBN(c, c)))
        self.dec = nn.ModuleList(dec)
        self.head = nn.Conv2d(self.DEC_WIDTHS[0], 3, 3, padding=1, bias=True)

    def forward(self, x):
        h, w = x.shape[-2:]
        if h % 16 or w % 16:
            raise ValueError(f"SadFpnUnet needs H, W multiples of 16, got {h}x{w}; use enhance_padded")
        e0 = self.stem(x)
        e1 = self.e1(e0)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        e4 = self.e4(e3)
        smooth = self.fpn([e0, e1, e2, e3, e4])
        d = e4
        for i in (3, 2, 1, 0):
            u = F.interpolate(d, scale_factor=2, mode="bilinear", align_corners=False)
            d = self.dec[i](torch.cat([u, smooth[i]], dim=1))
        y = torch.sigmoid(self.head(d))
        return y, e1, e2, e3, e4


class ZeroDCE(nn.Module):
    """DCE-Net exactly as the official Zero-DCE code (model-zoo §2.1).

    forward(x) returns (enhanced, A, y4) - the order of models/zero_dce.llie (the official code
    returns (y4, enhanced, A))."""

    def __init__(self, features=32, iterations=8):
        super().__init__()
        f = features
        self.iterations = iterations
        self.e_conv1 = nn.Conv2d(3, f, 3, 1, 1, bias=True)
        self.e_conv2 = nn.Conv2d(f, f, 3, 1, 1, bias=True)
        self.e_conv3 = nn.Conv2d(f, f, 3, 1, 1, bias=True)
        self.e_conv4 = nn.Conv2d(f, f, 3, 1, 1, bias=True)
        self.e_conv5 = nn.Conv2d(2 * f, f, 3, 1, 1, bias=True)
        self.e_conv6 = nn.Conv2d(2 * f, f, 3, 1, 1, bias=True)
        self.e_conv7 = nn.Conv2d(2 * f, 3 * iterations, 3, 1, 1, bias=True)

    def forward(self, x):
        x1 = F.relu(self.e_conv1(x))
        x2 = F.relu(self.e_conv2(x1))
        x3 = F.relu(self.e_conv3(x2))
        x4 = F.relu(self.e_conv4(x3))
        x5 = F.relu(self.e_conv5(torch.cat([x3, x4], 1)))
        x6 = F.relu(self.e_conv6(torch.cat([x2, x5], 1)))
        A = torch.tanh(self.e_conv7(torch.cat([x1, x6], 1)))
        alphas = torch.split(A, 3, dim=1)
        y = x
        y4 = None
        for n in range(self.iterations):
            y = y + alphas[n] * (y * y - y)
            if n == 3:
                y4 = y
        return y, A, y4


def enhance_padded(model, x, multiple=16):
    """Reflect-pad x at the bottom and right to the next multiple, run the model, crop back.

    Returns the model's first output (the image) cropped to x's H x W. Zero-DCE needs no padding
    (it is fully convolutional at stride 1), but the wrapper is harmless for it."""
    h, w = x.shape[-2:]
    ph = (-h) % multiple
    pw = (-w) % multiple
    xp = F.pad(x, (0, pw, 0, ph), mode="reflect") if (ph or pw) else x
    out = model(xp)
    y = out[0] if isinstance(out, (tuple, list)) else out
    return y[..., :h, :w]


def build_model(name):
    if name == "sadfpn_unet":
        return SadFpnUnet()
    if name == "zero_dce":
        return ZeroDCE()
    raise ValueError(f"unknown model {name!r}")


def expected_param_names(name):
    """The parameter-name contract, spelled out independently of the module structure."""
    names = []
    bn = ("weight", "bias", "running_mean", "running_var")

    def convbn(prefix):
        names.append(f"{prefix}.conv.weight")
        names.extend(f"{prefix}.bn.{p}" for p in bn)

    if name == "sadfpn_unet":
        for j in (0, 1):
            convbn(f"stem.{j}")
        for k in (1, 2, 3, 4):
            for j in (0, 1):
                for part in ("expand", "dw", "project"):
                    convbn(f"e{k}.{j}.{part}")
        for i in range(5):
            names += [f"fpn.lateral.{i}.weight", f"fpn.lateral.{i}.bias"]
        for i in range(4):
            names += [f"fpn.smooth.{i}.weight", f"fpn.smooth.{i}.bias"]
        for i in range(4):
            for j in (0, 1):
                convbn(f"dec.{i}.{j}")
        names += ["head.weight", "head.bias"]
    elif name == "zero_dce":
        for i in range(1, 8):
            names += [f"e_conv{i}.weight", f"e_conv{i}.bias"]
    else:
        raise ValueError(name)
    return names


def exported_state_dict(model):
    """state_dict without BatchNorm's num_batches_tracked counters (not part of the contract)."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def _self_check():
    for name in ("sadfpn_unet", "zero_dce"):
        m = build_model(name).eval()
        sd = exported_state_dict(m)
        want = expected_param_names(name)
        assert len(set(want)) == len(want)
        missing = sorted(set(want) - set(sd))
        extra = sorted(set(sd) - set(want))
        assert not missing and not extra, f"{name}: missing {missing}, extra {extra}"
        n_params = sum(p.numel() for p in m.parameters())
        x = torch.rand(1, 3, 64, 48)
        with torch.no_grad():
            out = m(x)
        shapes = {k: tuple(v.shape) for k, v in zip(OUTPUT_NAMES[name], out)}
        print(f"{name}: {len(sd)} tensors, {n_params} parameters, outputs {shapes}")
        if name == "zero_dce":
            assert n_params == 79416, n_params  # model-zoo §2.1
        else:
            assert shapes == {"y": (1, 3, 64, 48), "e1": (1, 64, 32, 24), "e2": (1, 128, 16, 12),
                              "e3": (1, 256, 8, 6), "e4": (1, 256, 4, 3)}, shapes
            # Dec input widths: dec.3 (256+64), dec.2 (128+64), dec.1 (64+64), dec.0 (64+64).
            assert [m.dec[i][0].conv.in_channels for i in range(4)] == [128, 128, 192, 320]
            with torch.no_grad():
                y = enhance_padded(m, torch.rand(1, 3, 37, 53))
            assert y.shape == (1, 3, 37, 53)
    print("ref_models self-check OK")


if __name__ == "__main__":
    _self_check()
