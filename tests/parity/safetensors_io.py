"""Minimal reader and writer for the safetensors format, for numpy arrays (no pip package needed).

The parity scripts exchange weights, inputs and expected outputs with llie in safetensors files.
Layout: an 8-byte little-endian unsigned header length N, then N bytes of UTF-8 JSON
{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}
(padded with spaces so the data starts at a multiple of 8), then the raw little-endian,
C-contiguous tensor bytes; offsets are relative to the start of that data block. Tensors are
written contiguously in name order, as the reference implementation validates.
Supported dtypes: float32, float64, int64 (F32, F64, I64), plus int32, float16, uint8 and bool on read.
"""

import json
import struct

import numpy as np

__all__ = ["save_file", "load_file", "load_metadata"]

_NP_TO_ST = {
    np.dtype("<f4"): "F32",
    np.dtype("<f8"): "F64",
    np.dtype("<i8"): "I64",
    np.dtype("<i4"): "I32",
    np.dtype("<f2"): "F16",
    np.dtype("u1"): "U8",
    np.dtype("?"): "BOOL",
}
_ST_TO_NP = {v: k for k, v in _NP_TO_ST.items()}
_WRITE_CODES = {("f", 4): "F32", ("f", 8): "F64", ("i", 8): "I64"}


def save_file(tensors, path, metadata=None):
    """Write {name: numpy array} to path. metadata: optional {str: str} stored as __metadata__."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved")
        arr = np.asarray(tensors[name])
        code = _WRITE_CODES.get((arr.dtype.kind, arr.dtype.itemsize))
        if code is None:
            raise TypeError(f"{name}: dtype {arr.dtype} not supported (float32, float64, int64)")
        data = np.ascontiguousarray(arr, dtype=_ST_TO_NP[code]).tobytes()
        header[name] = {"dtype": code, "shape": [int(s) for s in arr.shape],
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("__metadata__ must map str to str")
        header = {"__metadata__": dict(metadata), **header}
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((-(8 + len(hbytes))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for b in blobs:
            f.write(b)


def _read_header(f, path):
    raw = f.read(8)
    if len(raw) != 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw)
    if n > 100 * 1024 * 1024:
        raise ValueError(f"{path}: header length {n} is implausible")
    hbytes = f.read(n)
    if len(hbytes) != n:
        raise ValueError(f"{path}: truncated header")
    header = json.loads(hbytes.decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    return header


def load_metadata(path):
    """The __metadata__ dictionary of a file ({} when absent)."""
    with open(path, "rb") as f:
        return dict(_read_header(f, path).get("__metadata__") or {})


def load_file(path):
    """Read path into {name: numpy array} (native dtype views copied into owned arrays)."""
    with open(path, "rb") as f:
        header = _read_header(f, path)
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        code = info["dtype"]
        if code not in _ST_TO_NP:
            raise TypeError(f"{path}: {name}: unsupported dtype {code}")
        dt = _ST_TO_NP[code]
        shape = tuple(int(s) for s in info["shape"])
        begin, end = (int(o) for o in info["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64))
        if not (0 <= begin <= end <= len(data)) or end - begin != count * dt.itemsize:
            raise ValueError(f"{path}: {name}: bad data_offsets {begin}..{end} for {code}{list(shape)}")
        arr = np.frombuffer(data, dtype=dt, count=count, offset=begin).reshape(shape)
        out[name] = arr.astype(dt.newbyteorder("=") if dt.itemsize > 1 else dt, copy=True)
    return out


if __name__ == "__main__":
    import os
    import tempfile

    t = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, -2], dtype=np.int64),
         "c": np.zeros((0, 4), np.float32), "d": np.float64(3.5) * np.ones((1,), np.float64),
         "s": np.array(2.0, dtype=np.float32)}
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "t.safetensors")
        save_file(t, p, metadata={"k": "v"})
        raw = open(p, "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        assert (8 + n) % 8 == 0 and raw[8:9] == b"{"
        r = load_file(p)
        assert set(r) == set(t) and load_metadata(p) == {"k": "v"}
        for k in t:
            assert r[k].dtype == t[k].dtype and r[k].shape == t[k].shape and np.array_equal(r[k], t[k])
    print("safetensors_io self-check OK")
