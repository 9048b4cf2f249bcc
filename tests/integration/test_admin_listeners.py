"""admin.listeners (Kafka's RestServer): unset, /admin/* is served on the normal listeners; empty,
it is 404 everywhere; a list, /admin/* is served only on those listeners, which serve nothing else.
On the test broker."""
from conftest import free_port, http

NOT_FOUND = {"error_code": 404, "message": "HTTP 404 Not Found"}


def test_admin_listener_serves_only_admin(broker, connectd):
    admin_port = free_port()
    c = connectd(bootstrap=broker.bootstrap,
                 args=["-D", f"admin.listeners=http://127.0.0.1:{admin_port}"]).wait_ready()
    admin = f"http://127.0.0.1:{admin_port}"
    status, body, _ = http("GET", admin + "/admin/loggers")
    assert status == 200 and "root" in body
    status, body, _ = http("PUT", admin + "/admin/loggers/org.apache.kafka.connect",
                           {"level": "DEBUG"})
    assert status == 200 and "org.apache.kafka.connect" in body
    status, body, _ = http("GET", admin + "/admin/loggers/org.apache.kafka.connect")
    assert status == 200 and body["level"] == "DEBUG"
    # Nothing else on the admin listener, and no /admin on the main one.
    assert http("GET", admin + "/connectors")[:2] == (404, NOT_FOUND)
    assert http("GET", admin + "/")[:2] == (404, NOT_FOUND)
    assert c.get("/admin/loggers")[:2] == (404, NOT_FOUND)
    assert c.request("PUT", "/admin/loggers/root", {"level": "INFO"})[:2] == (404, NOT_FOUND)
    assert c.get("/connectors")[:2] == (200, [])
    assert "Adding admin resources to admin listener" in c.output()


def test_empty_admin_listeners_disable_admin(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, args=["-D", "admin.listeners="]).wait_ready()
    assert c.get("/admin/loggers")[:2] == (404, NOT_FOUND)
    assert c.get("/admin/loggers/root")[:2] == (404, NOT_FOUND)
    assert c.get("/connector-plugins")[0] == 200
    assert "Skipping adding admin resources" in c.output()


def test_admin_on_main_listener_by_default(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap).wait_ready()
    status, body, _ = c.get("/admin/loggers")
    assert status == 200 and "root" in body


def test_bad_admin_listeners_stop_the_worker(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, args=["-D", "admin.listeners=http://127.0.0.1:1,"])
    assert c.wait_exit() == 1
    assert "Empty URL found when parsing admin.listeners list." in c.output()
    c = connectd(bootstrap=broker.bootstrap, args=["-D", f"admin.listeners=https://127.0.0.1:{free_port()}"])
    assert c.wait_exit() == 1
    assert "in 'admin.listeners': only http listeners are supported" in c.output()
