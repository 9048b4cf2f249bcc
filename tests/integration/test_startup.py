"""Start-up, GET /, error bodies, embedded mode, configuration precedence, bad configuration,
an unreachable broker, and the orderly stop."""
import os
import re
import signal
import socket
import subprocess

from confluent_kafka.admin import AdminClient

from conftest import CONNECTD_BIN, Broker, free_port, wait_for


def cluster_metadata(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)


def test_get_root_reports_the_brokers_cluster_id(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap).wait_ready()
    status, body, raw = c.get("/")
    assert status == 200
    assert set(body) == {"version", "commit", "kafka_cluster_id"}
    assert body["version"] == "4.1.1"
    assert re.fullmatch(r"[0-9a-f]{16}|unknown", body["commit"])
    assert body["kafka_cluster_id"] == cluster_metadata(broker.bootstrap).cluster_id
    assert " " not in raw  # compact JSON, as Jackson writes it


def test_unknown_path_is_404_with_json_error_body(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap).wait_ready()
    for path in ("/nope", "/connectors-that-do-not-exist/x/y/z", "/%zz"):
        status, body, _ = c.get(path)
        assert status == 404, path
        assert body == {"error_code": 404, "message": "HTTP 404 Not Found"}


def test_wrong_method_is_405_with_json_error_body(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap).wait_ready()
    for method in ("POST", "PUT", "DELETE"):
        status, body, _ = c.request(method, "/", body={} if method != "DELETE" else None)
        assert status == 405, method
        assert body == {"error_code": 405, "message": "HTTP 405 Method Not Allowed"}


def test_embedded_mode_prints_bootstrap_and_serves_internal_topics(connectd):
    c = connectd().wait_ready()
    m = c.wait_output(r"started an embedded Kafka-protocol broker at (127\.0\.0\.1:\d+)")
    bootstrap = m.group(1)
    out = c.output()
    assert f"kcat -b {bootstrap} -C -t" in out
    assert re.search(r"WARN .*in memory only", out)
    md = cluster_metadata(bootstrap)
    parts = {name: len(t.partitions) for name, t in md.topics.items()}
    assert parts["connect-configs"] == 1
    assert parts["connect-offsets"] == 25
    assert parts["connect-status"] == 5
    assert c.get("/")[1]["kafka_cluster_id"] == md.cluster_id


def test_file_then_environment_then_arguments(connectd):
    p_file, p_env, p_arg = free_port(), free_port(), free_port()
    props = (
        "# worker settings\n"
        "config.storage.topic=file-configs\n"
        "offset.storage.topic = file-offsets\n"
        "status.storage.topic: file-status\n"
        f"listeners=http://127.0.0.1:{p_file}\n"
    )
    env = {"OFFSET_STORAGE_TOPIC": "env-offsets", "STATUS_STORAGE_TOPIC": "env-status",
           "CONNECT_LISTENERS": f"http://127.0.0.1:{p_env}"}
    c = connectd(properties=props, env=env, port=False,
                 args=["-D", "status.storage.topic=arg-status"])
    c.port, c.url = p_env, f"http://127.0.0.1:{p_env}"
    c.wait_ready()
    bootstrap = c.wait_output(r"broker at (127\.0\.0\.1:\d+)").group(1)
    topics = set(cluster_metadata(bootstrap).topics)
    assert {"file-configs", "env-offsets", "arg-status"} <= topics
    assert not topics & {"file-offsets", "file-status", "env-status", "connect-configs"}

    c2 = connectd(properties=props, env=env, port=False,
                  args=["-D", f"listeners=http://127.0.0.1:{p_arg}"])
    c2.port, c2.url = p_arg, f"http://127.0.0.1:{p_arg}"
    c2.wait_ready()


def test_rest_port_and_advertised_address_from_the_environment(broker, connectd):
    port = free_port()
    c = connectd(bootstrap=broker.bootstrap, port=False,
                 env={"REST_PORT": str(port), "ADVERTISED_HOST_NAME": "connect-1",
                      "ADVERTISED_PORT": "18083"})
    c.port, c.url = port, f"http://127.0.0.1:{port}"
    c.wait_ready()
    assert "Advertised URI: http://connect-1:18083/" in c.output()


def test_debezium_image_environment_is_accepted(broker, connectd):
    # The connect service of a docker-compose file written for debezium/connect:2.4.
    env = {
        "GROUP_ID": "1",
        "CONFIG_STORAGE_TOPIC": "connect-configs",
        "OFFSET_STORAGE_TOPIC": "connect-offsets",
        "STATUS_STORAGE_TOPIC": "connect-status",
        "BOOTSTRAP_SERVERS": broker.bootstrap,
        "CONNECT_CONNECTOR_CLASS": "io.debezium.connector.postgresql.PostgresConnector",
        "CONNECT_DATABASE_HOSTNAME": "database",
        "CONNECT_TOPIC_PREFIX": "cdctest",
        "LOG_LEVEL": "DEBUG",
    }
    c = connectd(env=env).wait_ready()
    assert c.get("/")[1]["kafka_cluster_id"] == cluster_metadata(broker.bootstrap).cluster_id
    out = c.output()
    unknown = re.findall(r"The configuration 'database\.hostname' \(from environment variable "
                         r"CONNECT_DATABASE_HOSTNAME\) was supplied but isn't a known worker config",
                         out)
    assert len(unknown) == 1
    assert "DEBUG" in out


def run_to_exit(args, env=None, timeout=60):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECT_")}
    full_env.update(env or {})
    return subprocess.run([CONNECTD_BIN] + args, capture_output=True, text=True, env=full_env,
                          timeout=timeout)


def test_malformed_value_in_file_names_file_line_and_key(tmp_path):
    props = tmp_path / "worker.properties"
    props.write_text("group.id=g\n\noffset.flush.interval.ms=abc\n")
    r = run_to_exit([str(props)])
    assert r.returncode == 1
    assert (f"{props} line 3: Invalid value abc for configuration offset.flush.interval.ms: "
            "Not a number of type LONG") in r.stderr


def test_malformed_escape_in_file_names_file_and_line(tmp_path):
    props = tmp_path / "worker.properties"
    props.write_text("group.id=g\nclient.id=a\\u12\n")
    r = run_to_exit([str(props)])
    assert r.returncode == 1
    assert f"{props} line 2" in r.stderr and "client.id" in r.stderr


def test_bad_environment_and_argument_values_are_named():
    r = run_to_exit([], env={"OFFSET_FLUSH_INTERVAL_MS": "soon"})
    assert r.returncode == 1
    assert "environment variable OFFSET_FLUSH_INTERVAL_MS" in r.stderr
    assert "offset.flush.interval.ms" in r.stderr
    r = run_to_exit(["-D", "topic.tracking.enable=maybe"])
    assert r.returncode == 1
    assert "-D argument" in r.stderr and "topic.tracking.enable" in r.stderr
    r = run_to_exit(["-D", "novalue"])
    assert r.returncode == 1 and "key=value" in r.stderr


def test_missing_properties_file():
    r = run_to_exit(["/nonexistent/worker.properties"])
    assert r.returncode == 1
    assert "/nonexistent/worker.properties" in r.stderr


def test_version_and_help():
    r = run_to_exit(["--version"])
    assert r.returncode == 0 and r.stdout.startswith("connectd ")
    r = run_to_exit(["--help"])
    assert r.returncode == 0 and "worker.properties" in r.stdout and "-D key=value" in r.stdout


def test_unreachable_broker_fails_within_the_configured_time(connectd):
    dead = f"127.0.0.1:{free_port()}"
    c = connectd(bootstrap=dead, args=["-D", "default.api.timeout.ms=3000"])
    assert c.wait_exit(timeout=60) == 1
    out = c.output()
    assert f"Failed to connect to and describe Kafka cluster at bootstrap.servers={dead}" in out
    assert "within 3000 ms" in out


def test_https_listener_is_refused_with_a_clear_message(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, port=False,
                 args=["-D", f"listeners=https://127.0.0.1:{free_port()}"])
    assert c.wait_exit() == 1
    assert "only http listeners are supported" in c.output()


def test_sigterm_stops_in_order_with_exit_code_0(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap).wait_ready()
    assert c.stop(signal.SIGTERM) == 0
    out = c.output()
    assert "Kafka Connect stopping" in out and "Kafka Connect stopped" in out


def test_sigint_also_stops_in_order(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap).wait_ready()
    assert c.stop(signal.SIGINT) == 0


def _start_partial_request(port):
    """Sends a request's headers and half its body, so the request is in flight."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"POST /nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 4\r\n\r\n{}")
    return s


def test_request_in_flight_is_answered_before_stop(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, env={"LOG_LEVEL": "DEBUG"}).wait_ready()
    s = _start_partial_request(c.port)
    c.wait_output(r'"POST /nope" received')
    c.proc.send_signal(signal.SIGTERM)
    c.wait_output(r"Kafka Connect stopping")
    assert c.proc.poll() is None  # waiting for the request in flight
    s.sendall(b"  ")
    reply = s.recv(4096).decode()
    s.close()
    assert reply.startswith("HTTP/1.1 404")
    assert '{"error_code":404,"message":"HTTP 404 Not Found"}' in reply
    assert c.wait_exit() == 0


def test_second_signal_exits_at_once(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, env={"LOG_LEVEL": "DEBUG"}).wait_ready()
    s = _start_partial_request(c.port)
    c.wait_output(r'"POST /nope" received')
    c.proc.send_signal(signal.SIGTERM)
    c.wait_output(r"Kafka Connect stopping")
    c.proc.send_signal(signal.SIGTERM)
    assert c.wait_exit(timeout=10) == 128 + signal.SIGTERM
    s.close()


def test_test_broker_control_channel():
    b = Broker(brokers=3)
    try:
        assert b.command("ping") == "OK"
        assert b.command("topic t1 3") == "OK"
        assert len(cluster_metadata(b.bootstrap).topics["t1"].partitions) == 3
        assert b.command("leader t1 0 2") == "OK"
        assert b.command("coordinator group g 3") == "OK"
        assert b.command("coordinator group g 9").startswith("ERR")
        assert b.command("down 2") == "OK"
        assert b.command("up 2") == "OK"
        assert b.command("rtt -1 5") == "OK"
        assert b.command("errors 3 -195") == "OK"
        assert b.command("bogus").startswith("ERR")
    finally:
        b.close()


def test_postgres_fixture_is_logical(pg):
    conn = pg.connect()
    with conn.cursor() as cur:
        cur.execute("SHOW wal_level")
        assert cur.fetchone()[0] == "logical"
        cur.execute("SELECT rolreplication FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone()[0] is True
    conn.close()


def test_new_request_during_shutdown_gets_503(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, env={"LOG_LEVEL": "DEBUG"}).wait_ready()
    keep = socket.create_connection(("127.0.0.1", c.port), timeout=30)
    keep.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    first = keep.recv(4096).decode()
    assert first.startswith("HTTP/1.1 200")
    held = _start_partial_request(c.port)  # keeps the drain going
    c.wait_output(r'"POST /nope" received')
    c.proc.send_signal(signal.SIGTERM)
    c.wait_output(r"Kafka Connect stopping")
    keep.sendall(b"GET /connectors HTTP/1.1\r\nHost: x\r\n\r\n")
    reply = keep.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 503")
    assert '"error_code":503' in reply
    held.sendall(b"  ")
    held.recv(4096)
    held.close()
    keep.close()
    assert c.wait_exit() == 0


def test_get_root_answers_while_the_internal_topics_are_read(broker, connectd):
    """The REST server listens once the Kafka cluster's id is known, as Kafka Connect's does: GET /
    answers at once, /health says the worker is starting, and other requests wait for the end of
    start-up instead of failing. Every broker response is delayed, so reading the internal topics
    takes many round trips."""
    import threading
    assert broker.command("rtt -1 400").startswith("OK")
    c = connectd(bootstrap=broker.bootstrap)
    wait_for(lambda: _root_status(c) == 200, 60, "GET / to answer")
    status, body, _ = c.get("/health", timeout=30)
    assert (status, body) == (503, {"status": "starting", "message": "Worker is still starting up."})
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(c.get("/connectors", timeout=120)))
    waiting.start()
    for _ in range(3):
        # An answer seen before /health still says starting would be an answer before start-up
        # finished (start-up never goes back): look at the answers first.
        answered = bool(answers)
        assert not (answered and c.get("/health", timeout=30)[0] == 503)
    assert broker.command("rtt -1 0").startswith("OK")
    waiting.join(120)
    assert answers and answers[0][:2] == (200, [])
    wait_for(lambda: c.get("/health", timeout=30)[0] == 200, 60, "/health to say healthy")


def _root_status(c):
    if c.proc.poll() is not None:
        raise AssertionError(f"connectd exited:\n{c.output()}")
    try:
        return c.get("/", timeout=2)[0]
    except OSError:
        return None
