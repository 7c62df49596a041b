#!/usr/bin/python3
"""Opens N keep-alive connections, uses each once, then holds them all idle and measures a server.

Used by idle_connections.sh. For every connection: connect, send one small GET, read the whole
response (status 200 and Content-Length bytes), then leave it open and idle. When all N are idle,
reads VmRSS of the server process from /proc/<pid>/status, waits --hold seconds, and checks that
no connection was closed by the server. Prints one "key=value" line per figure; exits non-zero
when any connection failed or was dropped.
"""
import argparse
import errno
import os
import selectors
import socket
import sys
import time


def vm_rss_kib(pids):
    """The summed VmRSS of `pids` (nginx serves from a master and its workers)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            rss = [line for line in f if line.startswith("VmRSS:")]
        if not rss:
            raise RuntimeError(f"no VmRSS for pid {pid}")
        total += int(rss[0].split()[1])
    return total


class Conn:
    __slots__ = ("sock", "state", "buf", "need")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connecting"
        self.buf = b""
        self.need = None  # total bytes of the response, once the head is parsed


def parse_head(buf):
    """Returns the full response length once the head is complete, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].decode("latin-1").split("\r\n")
    if not head[0].startswith("HTTP/1.1 200"):
        raise RuntimeError(f"unexpected status line: {head[0]!r}")
    length = None
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() == "connection" and "close" in value.lower():
            raise RuntimeError("server asked to close a keep-alive connection")
    if length is None:
        raise RuntimeError("response without Content-Length")
    return end + 4 + length


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/1k.bin")
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--server-pid", type=int, action="append", required=True,
                    help="repeat for a multi-process server; RSS is summed")
    ap.add_argument("--hold", type=float, default=3.0, help="seconds to stay idle before re-checking")
    ap.add_argument("--in-flight", type=int, default=256, help="connections being set up at once")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()

    request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
               "User-Agent: streamgate-idle-client\r\n\r\n").encode()
    sel = selectors.DefaultSelector()
    idle = []
    failed = 0
    started = 0
    active = 0
    deadline = time.monotonic() + args.timeout
    baseline = vm_rss_kib(args.server_pid)

    def fail(conn, why):
        nonlocal failed, active
        failed += 1
        active -= 1
        if failed <= 5:
            print(f"connection failed: {why}", file=sys.stderr)
        sel.unregister(conn.sock)
        conn.sock.close()

    while len(idle) + failed < args.connections:
        if time.monotonic() > deadline:
            print(f"timed out with {len(idle)} idle, {failed} failed", file=sys.stderr)
            return 1
        # Bounded set-up concurrency keeps the listen backlog from overflowing (a SYN drop would
        # only cost a 1 s retransmit, but it would also make the run slow and noisy).
        while started < args.connections and active < args.in_flight:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex(("127.0.0.1", args.port))
            if err not in (0, errno.EINPROGRESS):
                s.close()
                failed += 1
                started += 1
                print(f"connect: {os.strerror(err)}", file=sys.stderr)
                continue
            conn = Conn(s)
            sel.register(s, selectors.EVENT_WRITE, conn)
            started += 1
            active += 1
        for key, _ in sel.select(timeout=1.0):
            conn = key.data
            try:
                if conn.state == "connecting":
                    err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        fail(conn, os.strerror(err))
                        continue
                    conn.sock.send(request)  # tiny: fits the socket buffer in one call
                    conn.state = "reading"
                    sel.modify(conn.sock, selectors.EVENT_READ, conn)
                else:
                    data = conn.sock.recv(65536)
                    if not data:
                        fail(conn, "closed before the response was complete")
                        continue
                    conn.buf += data
                    if conn.need is None:
                        conn.need = parse_head(conn.buf)
                    if conn.need is not None and len(conn.buf) >= conn.need:
                        if len(conn.buf) > conn.need:
                            raise RuntimeError("more bytes than Content-Length")
                        sel.unregister(conn.sock)
                        conn.buf = b""
                        idle.append(conn.sock)
                        active -= 1
            except (OSError, RuntimeError, ValueError) as e:
                fail(conn, str(e))

    established = time.monotonic()
    # Let the server settle (buffers released after the last response) before reading its RSS.
    time.sleep(1.0)
    rss = vm_rss_kib(args.server_pid)
    time.sleep(args.hold)

    dropped = 0
    for s in idle:
        try:
            s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            dropped += 1  # b"" is an orderly close; any byte is an unsolicited response
        except BlockingIOError:
            pass  # still open and idle: what we want
        except OSError:
            dropped += 1
    held = time.monotonic() - established
    per_conn = (rss - baseline) * 1024 / max(1, len(idle))

    print(f"connections_requested={args.connections}")
    print(f"connections_idle={len(idle)}")
    print(f"connections_failed={failed}")
    print(f"connections_dropped={dropped}")
    print(f"held_seconds={held:.1f}")
    print(f"server_rss_baseline_kib={baseline}")
    print(f"server_rss_kib={rss}")
    print(f"bytes_per_connection={per_conn:.0f}")
    for s in idle:
        s.close()
    return 0 if failed == 0 and dropped == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
