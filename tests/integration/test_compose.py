"""compose/docker-compose.yml, as `docker-compose config` (Debian's package) reads it: valid, and
its connect service scales (`docker compose up --scale connect=3`): no fixed container name, a
host port per replica, and no advertised host name shared by the replicas (each advertises its
own address, so that the workers of one cluster can forward requests to each other)."""
import subprocess

import yaml

from conftest import ROOT


def test_compose_file_is_valid_and_connect_scales():
    r = subprocess.run(["docker-compose", "-f", str(ROOT / "compose" / "docker-compose.yml"), "config"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    services = yaml.safe_load(r.stdout)["services"]
    connect = services["connect"]
    assert "container_name" not in connect
    env = connect.get("environment", {})
    assert not {"ADVERTISED_HOST_NAME", "CONNECT_REST_ADVERTISED_HOST_NAME"} & set(env), env
    ports = [p for p in connect["ports"] if p["target"] == 8083]
    assert len(ports) == 1
    first, _, last = str(ports[0]["published"]).partition("-")
    assert last and int(last) - int(first) + 1 >= 3, ports
    assert env.get("GROUP_ID") and env.get("BOOTSTRAP_SERVERS") == "kafka:9092"
