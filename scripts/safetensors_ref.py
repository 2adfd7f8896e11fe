#!/usr/bin/env python3
"""An independent safetensors reader and writer, Python standard library only.

Used by test/tensor/safetensors.test.ts to check specl's implementation
against code that shares nothing with it. Follows the format description of
https://github.com/huggingface/safetensors (u64 little-endian header length N,
N bytes of UTF-8 JSON, then the packed little-endian C-order tensor data).

  python3 scripts/safetensors_ref.py read FILE
      Validates FILE and prints one JSON object: header_length, keys (the
      header keys in the order written), metadata, and for each tensor in data
      order: name, dtype, shape, data_offsets, sha256 (of its bytes), values
      (decoded, when it has at most 64 elements; 64-bit integers as strings),
      and sum (math.fsum of the values, F32/F64 only). Exits 1 with a message
      on stderr when the file is invalid.

  python3 scripts/safetensors_ref.py write FILE
      Writes FILE with fixed tensors (TENSORS below) in the reference layout:
      sorted by descending dtype alignment then name, compact JSON header with
      __metadata__ first, padded with spaces to a multiple of 8 bytes.
"""
import hashlib
import json
import math
import struct
import sys

# The reference Dtype enum, in increasing alignment (safetensors/src/tensor.rs).
ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
SIZE = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
STRUCT = {"BOOL": "?", "U8": "B", "I8": "b", "I16": "h", "U16": "H", "F16": "e",
          "I32": "i", "U32": "I", "F32": "f", "F64": "d", "I64": "q", "U64": "Q"}

META = {"format": "pt", "written_by": "scripts/safetensors_ref.py"}
# (name, dtype, shape, values): every value is exactly representable in its dtype.
TENSORS = [
    ("weight", "F32", [2, 3], [0.5, -1.25, 2.0, 3.75, -4.0, 1024.125]),
    ("bias", "F64", [3], [1.0 / 3.0, -2.5, 1e300]),
    ("half", "F16", [2, 2], [1.0, -2.0, 0.5, 65504.0]),
    ("brain", "BF16", [3], [1.0, -3.0, 0.15625]),
    ("step", "I64", [], [123456789012345]),
    ("labels", "I32", [5], [-3, 0, 7, 2147483647, -2147483648]),
    ("short", "I16", [2], [-32768, 32767]),
    ("tiny", "I8", [3], [-128, 0, 127]),
    ("pixels", "U8", [2, 2], [0, 1, 254, 255]),
    ("mask", "BOOL", [3], [True, False, True]),
    ("empty", "F32", [0, 4], []),
    ("caf\u00e9", "F64", [1], [-0.0]),
]


def fail(msg):
    sys.stderr.write("safetensors_ref: " + msg + "\n")
    sys.exit(1)


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def encode_values(dtype, values):
    if dtype == "BF16":
        # bfloat16 is the top half of the float32 bit pattern (exact for the values above).
        return b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in values)
    return struct.pack("<%d%s" % (len(values), STRUCT[dtype]), *values)


def decode_values(dtype, raw):
    n = len(raw) // SIZE[dtype]
    if dtype == "BF16":
        return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in struct.unpack("<%dH" % n, raw)]
    return list(struct.unpack("<%d%s" % (n, STRUCT[dtype]), raw))


def json_value(dtype, v):
    if dtype in ("I64", "U64"):
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    if isinstance(v, bool):
        return 1 if v else 0
    return v


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail("%s: shorter than 8 bytes" % path)
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        fail("%s: header length %d exceeds the file" % (path, n))
    pairs = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        fail("%s: duplicate header keys" % path)
    header = {k: (dict(v) if isinstance(v, list) else v) for k, v in pairs}
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        metadata = dict(metadata)
    body = data[8 + n:]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    pos = 0
    tensors = []
    for name, info in entries:
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in SIZE:
            fail("%s: tensor %r has unknown dtype %r" % (path, name, dtype))
        if begin != pos or end < begin:
            fail("%s: tensor %r offsets [%d, %d] do not follow %d" % (path, name, begin, end, pos))
        if end - begin != numel(shape) * SIZE[dtype]:
            fail("%s: tensor %r byte size mismatch" % (path, name))
        raw = body[begin:end]
        if len(raw) != end - begin:
            fail("%s: tensor %r is truncated" % (path, name))
        item = {"name": name, "dtype": dtype, "shape": shape, "data_offsets": [begin, end],
                "sha256": hashlib.sha256(raw).hexdigest()}
        values = decode_values(dtype, raw)
        if len(values) <= 64:
            item["values"] = [json_value(dtype, v) for v in values]
        if dtype in ("F32", "F64"):
            item["sum"] = json_value(dtype, math.fsum(values))
        tensors.append(item)
        pos = end
    if pos != len(body):
        fail("%s: offsets cover %d bytes but the data section has %d" % (path, pos, len(body)))
    print(json.dumps({"header_length": n, "keys": keys, "metadata": metadata, "tensors": tensors}))


def write(path):
    ordered = sorted(TENSORS, key=lambda t: (-ORDER.index(t[1]), t[0].encode("utf-8")))
    parts = ['"__metadata__":' + json.dumps(META, separators=(",", ":"), sort_keys=True, ensure_ascii=False)]
    blobs = []
    offset = 0
    for name, dtype, shape, values in ordered:
        if len(values) != numel(shape):
            fail("TENSORS: %r has %d values for shape %r" % (name, len(values), shape))
        blob = encode_values(dtype, values)
        info = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        parts.append(json.dumps(name, ensure_ascii=False) + ":" + json.dumps(info, separators=(",", ":")))
        blobs.append(blob)
        offset += len(blob)
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("read", "write"):
        fail("usage: safetensors_ref.py read|write FILE")
    (read if sys.argv[1] == "read" else write)(sys.argv[2])
