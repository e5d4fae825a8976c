#!/usr/bin/python3
"""Slow clients for scripts/bench_slowloris.sh (docs/serving_http.md, "Why
Boost.Beast"): keeps CONNECTIONS connections open to HOST:PORT, each sending
a request line and then one byte of a never-ending header every INTERVAL
seconds. A connection the server closes (at its request deadline, or refused
at a cap) is opened again at once, so the count stays at CONNECTIONS (one
closed within INTERVAL of its opening, as a refused one is, waits for the
next INTERVAL tick: slow clients, not a connection flood). With
--idle the connections send nothing at all (idle clients that reconnect when
the server closes them).

  bench/slowloris.py --port 18080 --connections 500 --seconds 60 [--sources 10]

--sources N spreads the connections over the source addresses 127.0.0.2 ..
127.0.0.(N+1) (Linux routes all of 127/8 to loopback), so a per-peer cap sees
N peers; --sources 0 uses the kernel's choice (127.0.0.1). Prints one line of
JSON at the end: connections opened, closed by the server, bytes sent, and the
open count sampled each second (min, mean).
"""
import argparse
import errno
import json
import selectors
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between bytes")
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--path", default="/v1/recommend?user=u1")
    parser.add_argument("--idle", action="store_true", help="send nothing")
    args = parser.parse_args()

    selector = selectors.DefaultSelector()
    opened = closed = failed = sent = 0
    samples = []
    slots = [None] * args.connections
    opened_at = [0.0] * args.connections

    def open_one(i):
        nonlocal opened, failed
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if args.sources > 0:
                sock.bind((f"127.0.0.{2 + i % args.sources}", 0))
            sock.settimeout(2)
            sock.connect((args.host, args.port))
            sock.setblocking(False)
            if not args.idle:
                sock.send(f"GET {args.path} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
        except OSError:
            sock.close()
            failed += 1
            return None
        selector.register(sock, selectors.EVENT_READ, i)
        opened_at[i] = time.monotonic()
        opened += 1
        return sock

    def drop(i):
        nonlocal closed
        sock = slots[i]
        if sock is None:
            return
        selector.unregister(sock)
        sock.close()
        slots[i] = None
        closed += 1

    for i in range(args.connections):
        slots[i] = open_one(i)
    start = time.monotonic()
    next_byte = start + args.interval
    while time.monotonic() - start < args.seconds:
        timeout = max(0.0, min(next_byte, start + args.seconds) - time.monotonic())
        for key, _ in selector.select(timeout):
            i = key.data
            try:
                data = slots[i].recv(4096)
            except OSError:
                data = b""
            if not data:  # closed (deadline, refusal) or answered: reopen
                drop(i)
                if time.monotonic() - opened_at[i] >= args.interval:
                    slots[i] = open_one(i)
        now = time.monotonic()
        if now >= next_byte:
            next_byte += args.interval
            for i, sock in enumerate(slots):
                if sock is None:
                    slots[i] = open_one(i)
                    continue
                if args.idle:
                    continue
                try:
                    sock.send(b"a")
                    sent += 1
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                        drop(i)
                        slots[i] = open_one(i)
            samples.append(sum(1 for s in slots if s is not None))
    print(json.dumps({"connections": args.connections, "sources": args.sources, "idle": args.idle,
                      "opened": opened, "closed_by_server": closed, "connect_failures": failed,
                      "bytes_sent": sent,
                      "open_min": min(samples) if samples else 0,
                      "open_mean": round(sum(samples) / len(samples), 1) if samples else 0}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
