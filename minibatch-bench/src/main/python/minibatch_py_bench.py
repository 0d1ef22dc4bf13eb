"""The Python side of the side-by-side MongoDB bench (dev.minibatch.bench.mongo.MongoSideBySide).

Drives the real Python minibatch 0.6 (the venv tools/test-env/python-peer.sh makes) through its
public API and counts every database command with pymongo's command monitoring. Prints JSON lines:
{"ready": true} once set up (the clock starts after it), {"lat_us": n} per message of a size-1
window when asked, and one final {"result": {...}}. A line "stop" on stdin ends a consumer.
"""
import argparse
import json
import os
import queue
import sys
import threading
import time

from pymongo import monitoring


class CommandCounter(monitoring.CommandListener):
    """Counts commands sent (started events), by name."""

    def __init__(self):
        self.count = 0
        self.names = {}
        self.lock = threading.Lock()

    def started(self, event):
        with self.lock:
            self.count += 1
            self.names[event.command_name] = self.names.get(event.command_name, 0) + 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def reset(self):
        with self.lock:
            self.count = 0
            self.names = {}

    def snapshot(self):
        with self.lock:
            return self.count, dict(self.names)


COMMANDS = CommandCounter()
monitoring.register(COMMANDS)  # before minibatch/mongoengine create their client


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def reading(n):
    return {"id": n, "sensor": "sensor-%d" % (n % 97), "value": 20 + (n % 1000) / 100.0, "unit": "C",
            "ts": "2025-01-01T10:00:00.000Z"}


def append(args):
    from minibatch import stream
    from pymongo.errors import InvalidOperation
    s = stream(args.stream, url=args.url, batchsize=args.batch)
    values = [reading(n) for n in range(args.count)]
    from minibatch.models import Buffer
    Buffer._get_collection()  # mongoengine creates the indexes on first use: not part of the figure
    emit({"ready": True})
    COMMANDS.reset()
    start = time.perf_counter()
    for v in values:
        s.append(v)
    try:
        s.flush()
    except (InvalidOperation, TypeError):
        pass  # minibatch's final flush calls insert_many([]) when nothing is left
    seconds = time.perf_counter() - start
    count, names = COMMANDS.snapshot()
    emit({"result": {"seconds": seconds, "messages": args.count, "commands": count, "names": names}})


def consume(args):
    from minibatch import streaming
    from minibatch.tests.util import LocalExecutor
    stop = queue.Queue()
    state = {"windows": 0, "messages": 0, "last": None}

    class Tally:
        """The sink: gets each window function's result in this process (the function itself runs
        on a dill copy, so it cannot count here)."""

        def put(self, result):
            state["windows"] += 1
            state["messages"] += result["n"]
            state["last"] = time.perf_counter()
            for lat in result["lat"]:
                emit({"lat_us": lat})
            if args.expect and state["messages"] >= args.expect:
                stop.put(True)

    latency = args.latency

    def on_window(window):
        now_us = int(time.time() * 1_000_000)
        lat = [now_us - int(d["t"]) for d in window.data if latency and isinstance(d, dict) and "t" in d]
        return {"n": len(window.data), "lat": lat}

    def read_stdin():
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        stop.put(True)

    threading.Thread(target=read_stdin, daemon=True).start()
    if args.timeout:
        t = threading.Timer(args.timeout, lambda: stop.put(True))
        t.daemon = True
        t.start()
    emitter = streaming(args.stream, size=args.size, url=args.url, executor=LocalExecutor(), queue=stop,
                        sink=Tally()).make(on_window)
    from minibatch.models import Buffer, Window
    Buffer._get_collection()  # mongoengine creates the indexes on first use: not part of the figures
    Window._get_collection()
    emit({"ready": True})
    COMMANDS.reset()
    start = time.perf_counter()
    emitter.run(blocking=True)
    end = time.perf_counter()
    count, names = COMMANDS.snapshot()
    busy = (state["last"] - start) if state["last"] and args.expect else (end - start)
    emit({"result": {"seconds": busy, "windows": state["windows"], "messages": state["messages"],
                     "commands": count, "names": names}})


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("append")
    a.add_argument("--count", type=int, required=True)
    a.add_argument("--batch", type=int, default=1)
    c = sub.add_parser("consume")
    c.add_argument("--size", type=int, default=1)
    c.add_argument("--expect", type=int, default=0, help="stop after this many messages (0: on 'stop')")
    c.add_argument("--timeout", type=float, default=0)
    c.add_argument("--latency", action="store_true")
    for s in (a, c):
        s.add_argument("--url", required=True)
        s.add_argument("--stream", required=True)
    args = p.parse_args()
    {"append": append, "consume": consume}[args.cmd](args)
    sys.stdout.flush()
    os._exit(0)  # minibatch may leave non-daemon threads behind


if __name__ == "__main__":
    main()
