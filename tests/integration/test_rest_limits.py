"""The REST server's limits against hostile or careless clients: bodies larger than
rest.max.request.bytes are refused with 413 without being held in memory (checked on the worker's
RSS), connections beyond rest.max.connections wait instead of taking a thread each, clients that
trickle a request are cut off at rest.request.timeout.ms, and GET /health answers throughout.
Assertions are on what a client sees and on the worker's memory and threads, never on speed."""
import json
import select
import socket
import threading
import time

import pytest

from conftest import wait_for

pytestmark = pytest.mark.brokers("mock")

MIB = 1024 * 1024
BIG = 12 * 1000 * 1000  # what each hostile client sends (or announces)
CLIENTS = 40
# How much the worker's resident memory may grow while 40 clients send 12 MB bodies: their
# threads' stacks, libmicrohttpd's per-connection buffers, sanitizer bookkeeping. Holding the
# bodies would take hundreds of MB. A chunked body says nothing of its size, so each client may
# have up to the limit (1 MiB) held until its body passes it.
SLACK_KB = 10 * 1024
RSS_GROWTH_LIMIT_KB = {False: SLACK_KB, True: CLIENTS * MIB // 1024 + SLACK_KB}
# AddressSanitizer keeps freed memory in a quarantine (256 MB by default), which would count in
# the RSS as if the worker still held it.
SMALL_QUARANTINE = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:quarantine_size_mb=1"}


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def reset_peak_rss(pid):
    """Makes VmHWM start again from the current RSS (Linux 4.0+); False where not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def parse_response(raw):
    """(status, parsed JSON body or None) of a raw HTTP/1.1 response; (None, None) if empty."""
    if not raw:
        return None, None
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    try:
        return status, json.loads(body.decode()) if body else None
    except ValueError:
        return status, None


def read_all(s):
    data = b""
    try:
        while True:
            got = s.recv(65536)
            if not got:
                break
            data += got
    except OSError:
        pass  # a reset after the answer: what arrived before it is kept
    return data


def send_big_body(port, chunked, results, i):
    """Announces (or streams, chunked) a 12 MB body to POST /connectors and keeps sending until
    the worker answers or closes; records the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    try:
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BIG}"
        s.sendall(f"POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"{framing}\r\n\r\n".encode())
        piece = b" " * 65536
        sent = 0
        try:
            while sent < BIG:
                if select.select([s], [], [], 0)[0]:
                    break  # answered (or closed) before the whole body was sent
                n = min(len(piece), BIG - sent)
                s.sendall(b"%x\r\n%s\r\n" % (n, piece[:n]) if chunked else piece[:n])
                sent += n
            if chunked and sent == BIG:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the worker stopped reading and closed
        results[i] = parse_response(read_all(s))
    finally:
        s.close()


def health_ok(w):
    status, body, _ = w.get("/health", timeout=60)
    return status == 200 and body["status"] == "healthy"


def check_413(result, limit=MIB):
    status, body = result
    assert status == 413, result
    assert body["error_code"] == 413
    assert f"larger than {limit} bytes" in body["message"]
    assert "rest.max.request.bytes" in body["message"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_big_bodies_are_refused_without_growing_memory(worker, chunked):
    worker.close()
    w = worker.restart(env=SMALL_QUARANTINE)
    pid = w.proc.pid
    # Warm up: the first requests allocate what every later one reuses.
    for _ in range(3):
        assert health_ok(w)
        assert w.request("PUT", "/connector-plugins/FileStreamSource/config/validate",
                         {"connector.class": "FileStreamSource"})[0] == 200
    base = proc_status(pid, "VmRSS")
    peak_reset = reset_peak_rss(pid)
    results = [None] * CLIENTS
    threads = [threading.Thread(target=send_big_body, args=(w.port, chunked, results, i))
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    peak = base
    health_checks = 0
    while any(t.is_alive() for t in threads) or health_checks == 0:
        assert health_ok(w)  # answers while the bodies are being refused
        assert w.get("/", timeout=60)[0] == 200
        health_checks += 1
        peak = max(peak, proc_status(pid, "VmRSS"))
        time.sleep(0.05)  # pacing, not synchronisation
    for t in threads:
        t.join()
    if peak_reset:
        peak = max(peak, proc_status(pid, "VmHWM"))
    growth = peak - base
    print(f"RSS {base} kB before, peak {peak} kB: +{growth} kB for {CLIENTS} clients x {BIG} "
          f"bytes ({'chunked' if chunked else 'Content-Length'}); {health_checks} health checks")
    for r in results:
        check_413(r)
    assert growth < RSS_GROWTH_LIMIT_KB[chunked], f"RSS grew by {growth} kB"
    assert health_ok(w)


def test_body_limit_is_a_worker_property(worker):
    # A worker with a small limit, on the same broker.
    worker.close()
    w = worker.restart(["-D", "rest.max.request.bytes=4096"])
    cfg = {"connector.class": "FileStreamSource", "padding": "x" * 3000}
    assert w.request("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg)[0] == 200
    cfg["padding"] = "x" * 5000
    status, body, _ = w.request("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg)
    assert status == 413
    check_413((status, body), limit=4096)
    # A chunked body is counted as it arrives.
    s = socket.create_connection(("127.0.0.1", w.port), timeout=60)
    payload = json.dumps(cfg).encode()
    s.sendall(b"PUT /connector-plugins/FileStreamSource/config/validate HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    for i in range(0, len(payload), 1000):
        part = payload[i:i + 1000]
        s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
    s.sendall(b"0\r\n\r\n")
    check_413(parse_response(read_all(s)), limit=4096)
    s.close()
    # Under the limit, chunked works.
    small = json.dumps({"connector.class": "FileStreamSource"}).encode()
    s = socket.create_connection(("127.0.0.1", w.port), timeout=60)
    s.sendall(b"PUT /connector-plugins/FileStreamSource/config/validate HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
              + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small))
    status, body = parse_response(read_all(s))
    s.close()
    assert status == 200 and body["name"] == "FileStreamSource"


def test_bad_limits_stop_start_up(connectd, broker):
    c = connectd(bootstrap=broker.bootstrap, args=["-D", "rest.max.request.bytes=1k"])
    assert c.wait_exit() == 1
    assert ("Invalid value 1k for configuration rest.max.request.bytes: Not a number of type INT"
            in c.output())


def open_stalled(port, n, first_bytes=b"POST /connectors HTTP/1.1\r\nHost: x\r\n"):
    """n connections that send the start of a request and then nothing."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(first_bytes)
        socks.append(s)
    return socks


def test_health_answers_while_many_slow_clients_are_connected(worker):
    socks = open_stalled(worker.port, 60)
    try:
        assert health_ok(worker)
        assert worker.get("/", timeout=60)[0] == 200
        assert worker.get("/connectors", timeout=60)[0] == 200
    finally:
        for s in socks:
            s.close()


def test_connections_beyond_the_cap_wait_instead_of_taking_threads(worker):
    worker.close()
    w = worker.restart(["-D", "rest.max.connections=5", "-D", "rest.request.timeout.ms=120000"])
    pid = w.proc.pid
    assert health_ok(w)
    base = proc_status(pid, "Threads")
    socks = open_stalled(w.port, 30)
    try:
        # Connections the worker accepts get a thread at once; watch for a while whether more
        # than the cap of them ever do.
        most = base
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            most = max(most, proc_status(pid, "Threads"))
            time.sleep(0.05)
        print(f"threads: {base} before, at most {most} with 30 stalled connections and a cap of 5")
        # (+2: a Kafka client may start a thread meanwhile)
        assert most - base <= 5 + 2, f"{most - base} threads for 30 connections with a cap of 5"
    finally:
        for s in socks:
            s.close()
    # Once they are gone, the waiting ones are served or dropped, and the worker answers.
    wait_for(lambda: health_ok(w), 120, "GET /health after the stalled clients left")


def trickle(port, results, i, stop):
    """Sends a request's headers one byte every 200 ms, never finishing them: libmicrohttpd's
    idle timeout never fires on such a client. Records when the worker closed the connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    started = time.monotonic()
    text = b"POST /connectors HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 100000
    try:
        for b in text:
            if stop.is_set():
                break
            s.sendall(bytes([b]))
            if select.select([s], [], [], 0.2)[0] and not s.recv(1024):
                results[i] = time.monotonic() - started
                return
    except OSError:
        results[i] = time.monotonic() - started
    finally:
        s.close()


def test_clients_trickling_a_request_are_cut_off(worker):
    worker.close()
    w = worker.restart(["-D", "rest.max.connections=4", "-D", "rest.request.timeout.ms=2000"])
    results = [None] * 4
    stop = threading.Event()
    threads = [threading.Thread(target=trickle, args=(w.port, results, i, stop)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        # Every connection is taken by a trickling client, yet /health gets its turn once the
        # worker has closed them at their deadline.
        wait_for(lambda: health_ok(w), 90, "GET /health while trickling clients hold every connection")
        wait_for(lambda: all(r is not None for r in results), 90, "the trickling clients to be cut off")
    finally:
        stop.set()
        for t in threads:
            t.join()
    print(f"trickling clients cut off after {[round(r, 1) for r in results]} s")
    assert "rest.request.timeout.ms" in w.output()
