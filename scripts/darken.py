#!/usr/bin/python3
"""Synthesise low-light photos from normal-light ones (used by scripts/make_samples.sh).

Usage: darken.py SRC_DIR OUT_DIR      (SRC_DIR: scikit-image's data folder)

For each sample in SAMPLES below: load the photo, crop and/or shrink it (Lanczos) so the long
side is at most 640 px (some sizes are deliberately odd), then apply a seeded low-light model
in linear floating point on [0, 1]:

    y  = scale * x ** gamma                   # gamma darkening (global exposure + tone curve)
    y' = Poisson(peak * y) / peak             # photon shot noise; peak = photons at full scale
         + Normal(0, read_sigma ** 2)         # read noise
    out = round(255 * clip(y', 0, 1))

Each sample has its own seed (numpy.random.default_rng(seed)), so the output is reproducible
for a given numpy version. Writes OUT_DIR/<name>.png (the dark input) and
OUT_DIR/reference/<name>.png (the same crop before darkening, a ground truth for PSNR).
Files are replaced atomically (temp + os.replace); the script prints one line per file.
Needs only python3-numpy and python3-pil (Debian 12).
"""

import os
import sys

import numpy as np
from PIL import Image

# name, source, crop box (left, top, right, bottom) or None, long-side limit, gamma, scale,
# peak photons, read-noise sigma, seed. Licences (per scikit-image's data docs): astronaut and
# rocket are public domain (NASA, SpaceX); chelsea and coffee are CC0.
SAMPLES = [
    ("astronaut", "astronaut.png", None, 640, 2.2, 0.30, 300.0, 0.004, 1),
    ("astronaut-face", "astronaut.png", (150, 20, 343, 229), 640, 2.4, 0.25, 200.0, 0.006, 2),
    ("chelsea", "chelsea.png", None, 640, 2.2, 0.35, 400.0, 0.004, 3),
    ("coffee", "coffee.png", None, 640, 2.0, 0.25, 250.0, 0.005, 4),
    ("rocket", "rocket.jpg", None, 640, 2.2, 0.50, 300.0, 0.004, 5),
    ("rocket-small", "rocket.jpg", (96, 40, 561, 427), 331, 2.2, 0.30, 150.0, 0.008, 6),
]


def prepare(path, box, long_side):
    img = Image.open(path).convert("RGB")
    if box is not None:
        img = img.crop(box)
    w, h = img.size
    if max(w, h) > long_side:
        f = long_side / max(w, h)
        img = img.resize((max(1, round(w * f)), max(1, round(h * f))), Image.LANCZOS)
    return img


def darken(img, gamma, scale, peak, read_sigma, seed):
    rng = np.random.default_rng(seed)
    x = np.asarray(img, dtype=np.float64) / 255.0
    y = scale * np.power(x, gamma)
    y = rng.poisson(peak * y) / peak + rng.normal(0.0, read_sigma, size=y.shape)
    return Image.fromarray(np.round(np.clip(y, 0.0, 1.0) * 255.0).astype(np.uint8), "RGB")


def save(img, path):
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        img.save(tmp, format="PNG")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    os.makedirs(os.path.join(out, "reference"), exist_ok=True)
    for name, file, box, long_side, gamma, scale, peak, read_sigma, seed in SAMPLES:
        ref = prepare(os.path.join(src, file), box, long_side)
        low = darken(ref, gamma, scale, peak, read_sigma, seed)
        save(low, os.path.join(out, f"{name}.png"))
        save(ref, os.path.join(out, "reference", f"{name}.png"))
        mean = np.asarray(low, dtype=np.float64).mean()
        print(f"wrote {os.path.join(out, name + '.png')}  {low.width}x{low.height}  "
              f"mean {mean:.1f}/255  (from {file}, gamma {gamma}, scale {scale}, "
              f"peak {peak:g}, read noise {read_sigma}, seed {seed}; reference/{name}.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
