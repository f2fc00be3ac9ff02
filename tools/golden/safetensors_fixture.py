#!/usr/bin/env python3
"""Golden safetensors files from PyTorch, written and read by hand (no `safetensors` package).

  safetensors_fixture.py write OUT.safetensors   writes a deterministic fixture + OUT.json
  safetensors_fixture.py check IN.safetensors    parses a file, prints {name: {dtype, shape, sum}}

Run with Debian's /usr/bin/python3 (python3-torch).
"""
import json
import os
import struct
import sys

import torch

# safetensors dtype code <-> torch dtype
CODES = {
    "F32": torch.float32,
    "F64": torch.float64,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I32": torch.int32,
    "I64": torch.int64,
    "U8": torch.uint8,
    "I8": torch.int8,
    "I16": torch.int16,
    "BOOL": torch.bool,
}
DTYPE_TO_CODE = {v: k for k, v in CODES.items()}


def fixture_tensors():
    torch.manual_seed(0)
    return {
        "weight": torch.randn(3, 4, dtype=torch.float32),
        "bias64": torch.randn(5, dtype=torch.float64),
        "ids": torch.tensor([0, 7, -3, 123456], dtype=torch.int64),
        "counts": torch.tensor([[-2147483648, -1], [0, 2147483647]], dtype=torch.int32),
        # 65504 is the largest finite half; 2**-24 its smallest subnormal.
        "half": torch.tensor([1.0, -2.0, 65504.0, 2.0**-24], dtype=torch.float16),
        # 3.14159 rounds to the nearest bfloat16, 3.140625.
        "bhalf": torch.tensor([1.0, -2.0, 3.14159], dtype=torch.bfloat16),
        "bytes": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
    }


def to_bytes(t):
    # Tensor.view(dtype) reinterprets in place; the host must be little-endian like the format.
    return t.contiguous().view(-1).view(torch.uint8).numpy().tobytes()


def serialize(tensors, metadata):
    assert sys.byteorder == "little"
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name]
        raw = to_bytes(t)
        header[name] = {
            "dtype": DTYPE_TO_CODE[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad so the data section is 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def parse(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = blob[8 + n :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = CODES[entry["dtype"]]
        chunk = bytearray(data[begin:end])
        flat = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors, metadata


def write(out_path):
    tensors = fixture_tensors()
    metadata = {"format": "pt"}
    with open(out_path, "wb") as f:
        f.write(serialize(tensors, metadata))
    # Expected values as what our loader produces: F16/BF16 widen to float32, I64/U8 to int32.
    expected = {
        name: {
            "file_dtype": DTYPE_TO_CODE[t.dtype],
            "shape": list(t.shape),
            "values": (t.double() if t.is_floating_point() else t.long()).flatten().tolist(),
        }
        for name, t in tensors.items()
    }
    json_path = os.path.splitext(out_path)[0] + ".json"
    with open(json_path, "w") as f:
        json.dump({"metadata": metadata, "tensors": expected}, f, indent=1, sort_keys=True)
        f.write("\n")


def check(in_path):
    with open(in_path, "rb") as f:
        tensors, metadata = parse(f.read())
    summary = {
        name: {
            "dtype": DTYPE_TO_CODE[t.dtype],
            "shape": list(t.shape),
            "sum": float(t.double().sum()),
        }
        for name, t in tensors.items()
    }
    print(json.dumps({"tensors": summary, "metadata": metadata}, sort_keys=True))


def main(argv):
    if len(argv) != 3 or argv[1] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    (write if argv[1] == "write" else check)(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
