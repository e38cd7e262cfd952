#!/usr/bin/env python3
"""The endpoint under attack: a steady client's latency while a hostile client sends
issue 10's items 1-4 in a loop.

    scripts/hostile_load.py [--binary target/release/factgraph] [--seconds 60]

Starts `factgraph serve` on the repository's sample data (loopback, a free port,
--timeout 2, --max-memory 256), then for --seconds runs at once:
- a steady client (127.0.0.1): one keep-alive connection, one subject lookup after
  another, every latency recorded;
- a hostile client (127.0.0.2, another loopback address, so that the per-address
  connection share applies): in a loop, item 1 (1,000 nested parentheses, a
  5,000-branch UNION, a 20,000-step path), item 2 (CONCAT doubled 28 times), item 3
  (nine joined VALUES blocks), and item 4 throughout (100 connections sending a byte a
  second, 64 idle half-requests, re-opened as the server closes them).
Prints the steady client's p50/p99/max latency and error count, the hostile requests'
statuses, and the server's peak memory; exits 1 if the server died or the steady client
got an error.
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE = "127.0.0.2"
STEADY_QUERY = (
    "SELECT ?p ?o WHERE { <https://w3id.org/factgraph/fact/astana-003> ?p ?o }"
)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect(port, source):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    return s


def request(port, method, path, body=None, source=HOSTILE, timeout=60):
    """One request on a fresh connection; returns (status, first line of the body)."""
    s = connect(port, source)
    s.settimeout(timeout)
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nConnection: close\r\n"
    data = b""
    if body is not None:
        data = body.encode()
        head += f"Content-Type: application/sparql-query\r\nContent-Length: {len(data)}\r\n"
    try:
        s.sendall(head.encode() + b"\r\n" + data)
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    except OSError as e:
        return (f"error: {e}", "")
    finally:
        s.close()
    text = answer.decode("utf-8", "replace")
    status = text.split(" ", 2)[1] if text.startswith("HTTP/") else "no answer"
    body_text = text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""
    return (status, body_text.strip().split("\n")[0][:100])


def item_queries():
    concat = 'SELECT (STRLEN(?a28) AS ?n) WHERE { BIND("0123456789" AS ?a0) '
    for i in range(1, 29):
        concat += f"BIND(CONCAT(?a{i-1},?a{i-1}) AS ?a{i}) "
    concat += "}"
    values = "SELECT (COUNT(*) AS ?n) WHERE { " + "".join(
        f"VALUES ?v{v} {{ 1 2 3 4 5 6 7 8 9 10 }} " for v in range(9)
    ) + "}"
    parens = "ASK{FILTER(" + "(" * 1000 + "1" + ")" * 1000 + ")}"
    return [
        ("1 parentheses (GET)", "GET", "/sparql?query=" + urllib.parse.quote(parens), None),
        ("1 union", "POST", "/sparql", "SELECT * { " + "{?s ?p ?o} UNION " * 5000 + "{} }"),
        ("1 path", "POST", "/sparql", "ASK { ?s " + "fg:about/" * 20000 + "fg:about ?o }"),
        ("2 concat", "POST", "/sparql", concat),
        ("3 values", "POST", "/sparql", values),
    ]


def slow_client(port, stop, counts):
    """Item 4: one connection sending a byte a second until the server drops it."""
    payload = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000
    while not stop.is_set():
        try:
            s = connect(port, HOSTILE)
        except OSError:
            time.sleep(0.2)
            continue
        counts["slow opened"] += 1
        try:
            for b in payload:
                if stop.is_set():
                    break
                s.sendall(bytes([b]))
                time.sleep(1)
        except OSError:
            counts["slow dropped by server"] += 1
        finally:
            s.close()


def idle_client(port, stop, counts):
    """Item 4: a half request, then silence, re-opened when the server closes it."""
    while not stop.is_set():
        try:
            s = connect(port, HOSTILE)
            s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
            counts["idle opened"] += 1
            s.settimeout(120)
            while not stop.is_set():
                if not s.recv(4096):
                    break
        except OSError:
            time.sleep(0.2)
        finally:
            try:
                s.close()
            except Exception:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/factgraph"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-slow-clients", action="store_true",
                        help="items 1-3 only (without item 4, whose connections take the "
                             "hostile address's whole share and get its other requests 429)")
    parser.add_argument("--baseline", action="store_true",
                        help="no hostile client at all: the steady client alone, for comparison")
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [args.binary, "--root", ROOT, "serve", "--bind", f"127.0.0.1:{port}",
         "--timeout", "2", "--max-memory", "256", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("the server did not start")

    stop = threading.Event()
    counts = {"slow opened": 0, "slow dropped by server": 0, "idle opened": 0}
    threads = [] if args.no_slow_clients or args.baseline else (
        [threading.Thread(target=slow_client, args=(port, stop, counts), daemon=True)
         for _ in range(100)]
        + [threading.Thread(target=idle_client, args=(port, stop, counts), daemon=True)
           for _ in range(64)])
    for t in threads:
        t.start()

    hostile = {}

    def hostile_loop():
        queries = item_queries()
        while not stop.is_set():
            for name, method, path, body in queries:
                if stop.is_set():
                    break
                status, first = request(port, method, path, body)
                hostile.setdefault(name, {}).setdefault(status, [0, first])[0] += 1

    if not args.baseline:
        threading.Thread(target=hostile_loop, daemon=True).start()

    latencies, errors = [], {}
    path = "/sparql?query=" + urllib.parse.quote(STEADY_QUERY)
    conn = None
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                                  source_address=("127.0.0.1", 0))
            conn.request("GET", path, headers={"Accept": "text/csv"})
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            status = f"error: {type(e).__name__}"
            conn = None
        latencies.append(time.monotonic() - started)
        if status != 200:
            errors[status] = errors.get(status, 0) + 1
        time.sleep(0.01)
    stop.set()

    alive = server.poll() is None
    peak = "?"
    try:
        with open(f"/proc/{server.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM"):
                    peak = line.split(":", 1)[1].strip()
    except OSError:
        pass
    final = request(port, "GET", path, source="127.0.0.1", timeout=10) if alive else ("dead", "")
    server.terminate()
    server.wait(timeout=30)

    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"steady client: {len(latencies)} requests in {args.seconds:.0f} s, "
          f"errors {errors or 'none'}")
    print(f"  latency p50 {pick(0.50):.1f} ms, p90 {pick(0.90):.1f} ms, "
          f"p99 {pick(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print("hostile client (status: count, first line of the answer):")
    for name, statuses in sorted(hostile.items()):
        for status, (count, first) in sorted(statuses.items()):
            print(f"  item {name:22} {status}: {count:4}  {first}")
    print(f"  item 4 slow/idle connections: {counts}")
    print(f"server alive after the attack: {alive}; answers afterwards: {final[0]}; "
          f"peak RSS {peak}")
    sys.exit(0 if alive and not errors else 1)


if __name__ == "__main__":
    main()
