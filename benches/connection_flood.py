#!/usr/bin/env python3
"""Connection flood against a real `asteri serve --role all` (issue 8, part 2).

Opens N half-sent connections to the REST port (each sends a partial request line and
stalls), or stalled HTTP/2 prefaces to the gRPC port with `--grpc`, keeps them open, and
meanwhile measures `GET /healthz` latency and the server's resident memory (`ps -o rss`).

    cargo build --bin asteri
    python3 benches/connection_flood.py --binary $CARGO_TARGET_DIR/debug/asteri -n 5000

Extra environment for the server (e.g. ASTERI_MAX_CONNECTIONS=1000) is passed through.
Prints one line per phase; the numbers in the commit message came from this script.
"""

import argparse
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def healthz(base, timeout):
    """Seconds taken by one GET /healthz and its status (None on timeout or error)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError:
        status = None
    return time.monotonic() - started, status


def sample(base, count, timeout):
    runs = [healthz(base, timeout) for _ in range(count)]
    ok = [t for t, s in runs if s == 200]
    return {
        "ok": len(ok),
        "of": count,
        "median_ms": round(statistics.median(ok) * 1000, 1) if ok else None,
        "max_ms": round(max(t for t, _ in runs) * 1000, 1),
        "statuses": sorted({str(s) for _, s in runs}),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("-n", "--connections", type=int, default=5000)
    parser.add_argument("--grpc", action="store_true", help="flood the gRPC port instead")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds to keep measuring")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="asteri-flood-")
    http_port, grpc_port = free_port(), free_port()
    env = dict(os.environ)
    env.update(
        ASTERI_DATABASE_URL=f"sqlite://{work}/asteri.db?mode=rwc",
        ASTERI_HTTP_ADDR=f"127.0.0.1:{http_port}",
        ASTERI_GRPC_ADDR=f"127.0.0.1:{grpc_port}",
        ASTERI_SECRET_KEY="x" * 40,
        ASTERI_FILES_DIR=f"{work}/files",
        RUST_LOG=env.get("RUST_LOG", "error"),
    )
    server = subprocess.Popen(
        [args.binary, "serve", "--role", "all"], cwd=work, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 60
        while healthz(base, 1)[1] != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        print("before  ", sample(base, 20, 5), f"rss={rss_kib(server.pid)} KiB", flush=True)

        port = grpc_port if args.grpc else http_port
        partial = b"PRI * HTTP/2.0\r\n" if args.grpc else b"GET /healthz HTTP/1.1\r\nHost: x"
        sockets, refused = [], 0
        opened_at = time.monotonic()
        for _ in range(args.connections):
            s = socket.socket()
            s.setblocking(True)
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", port))
                s.sendall(partial)
                sockets.append(s)
            except OSError:
                refused += 1
                s.close()
        print(f"opened {len(sockets)} stalled connections in "
              f"{time.monotonic() - opened_at:.1f} s ({refused} refused at connect)", flush=True)

        start = time.monotonic()
        while time.monotonic() - start < args.hold:
            closed = 0
            for s in sockets:
                s.setblocking(False)
                try:
                    # Any answer (a 503 refusal, a 408) or the end of the stream: the server
                    # has let go of the connection.
                    s.recv(4096, socket.MSG_PEEK)
                    closed += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
            print(f"t+{time.monotonic() - start:4.1f}s", sample(base, 5, 5),
                  f"rss={rss_kib(server.pid)} KiB answered_or_closed={closed}", flush=True)
        for s in sockets:
            s.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
