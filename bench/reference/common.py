"""Plumbing shared by the reference scripts: thread count and the request loop.

A script is started once per benchmark, prints {"ready": true, ...} once torch
is imported, then answers JSON requests, one per stdin
line, with one JSON object per stdout line, so that the TypeScript harness can
alternate specl and PyTorch runs without re-importing torch. Run by hand with
--request '{...}' to answer a single request and exit.
"""
import argparse
import json
import os
import sys
import traceback


def serve(handle, description):
    parser = argparse.ArgumentParser(description=description)
    # Debian's torch defaults to one intra-op thread here; specl uses every core.
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads (default: all cores)")
    parser.add_argument("--request", help="answer this one JSON request and exit (default: serve stdin)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if args.request is None:
        _write({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    if args.request is not None:
        _reply(handle, args.request)
        return
    for line in sys.stdin:
        if line.strip():
            _reply(handle, line)


def _reply(handle, line):
    import torch

    try:
        out = handle(json.loads(line))
    except Exception as e:  # reported to the harness, which raises it as an Error
        traceback.print_exc(file=sys.stderr)
        out = {"error": f"{type(e).__name__}: {e}"}
    out.setdefault("threads", torch.get_num_threads())
    _write(out)


def _write(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
