"""Drives the real Python minibatch 0.6 for the interop tests (InteropTest): one subcommand per role.

Run with the venv made by tools/test-env/python-peer.sh. Every subcommand prints JSON lines on
stdout ({"window": [...ids]}, {"appended": n}, {"views": ...}) and ends with {"done": true}, so the
Java side reads facts, not log text.
"""
import argparse
import json
import os
import queue
import sys
import threading
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def produce(args):
    from minibatch import stream
    from pymongo.errors import InvalidOperation
    s = stream(args.stream, url=args.url, batchsize=args.batch)
    for n in range(args.start, args.start + args.count):
        value = {"id": "%s%d" % (args.prefix, n), "n": n}
        if args.sensors:
            value["sensor"] = "sensor-%d" % (n % args.sensors)  # a field, not a key: Python has no keys
        s.append(value)
        if args.pause:
            time.sleep(args.pause)
    try:
        s.flush()  # a batched stream writes every batchsize+2 appends; write the rest
    except (InvalidOperation, TypeError):
        pass  # minibatch calls insert_many([]) when nothing is left to flush
    emit({"appended": args.count})


class IdSink:
    """Gets each window function's result (the window's ids) in this process, in commit order."""

    def __init__(self, expect, stop):
        self.seen = 0
        self.expect = expect
        self.stop = stop

    def put(self, ids):
        emit({"window": ids})
        self.seen += len(ids)
        if self.seen >= self.expect:
            self.stop.put(True)


def window_ids(window):
    return [d.get("id") for d in window.data]


def consume(args):
    from minibatch import streaming
    from minibatch.tests.util import LocalExecutor
    stop = queue.Queue()
    timer = threading.Timer(args.timeout, lambda: stop.put(True))
    timer.daemon = True
    timer.start()
    emit({"consuming": args.stream})
    streaming(args.stream, size=args.size, url=args.url, executor=LocalExecutor(),
              sink=IdSink(args.expect, stop), queue=stop)(window_ids)


def views(args):
    from minibatch import stream
    s = stream(args.stream, url=args.url)
    emit({"views": {
        "buffer": [{"id": b.data.get("id"), "processed": b.processed} for b in s.buffer()],
        "window": [{"ids": [d.get("id") for d in w.data], "processed": w.processed, "query": list(w.query)}
                   for w in s.window()],
    }})


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("produce")
    pr.add_argument("--start", type=int, default=0)
    pr.add_argument("--count", type=int, required=True)
    pr.add_argument("--batch", type=int, default=1)
    pr.add_argument("--pause", type=float, default=0.0)
    pr.add_argument("--prefix", default="py-")
    pr.add_argument("--sensors", type=int, default=0)
    co = sub.add_parser("consume")
    co.add_argument("--size", type=int, default=10)
    co.add_argument("--expect", type=int, required=True)
    co.add_argument("--timeout", type=float, default=120)
    sub.add_parser("views")
    for s in (pr, co, sub.choices["views"]):
        s.add_argument("--url", required=True)
        s.add_argument("--stream", required=True)
    args = p.parse_args()
    {"produce": produce, "consume": consume, "views": views}[args.cmd](args)
    emit({"done": True})
    sys.stdout.flush()
    os._exit(0)  # minibatch may leave non-daemon threads (housekeeping, sources) behind


if __name__ == "__main__":
    main()
