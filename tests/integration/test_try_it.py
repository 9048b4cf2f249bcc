"""The try-it path as a new user meets it: `make run` with no bootstrap.servers starts the embedded
broker, says its limits at start-up, and does not warn about a compaction check it cannot run."""
import re

from conftest import ROOT


def makefile_kafka_port():
    m = re.search(r"^KAFKA_PORT \?= *(\d+)", (ROOT / "Makefile").read_text(), re.M)
    return m.group(1)


def test_embedded_start_up_says_its_limits_and_the_durable_alternative(connectd):
    c = connectd().wait_ready()
    out = c.output()
    warns = "\n".join(l for l in out.splitlines() if " WARN " in l and "(connectd.EmbeddedKafka)" in l)
    assert "in memory only" in warns
    assert "lost when connectd stops" in warns
    assert "new port at every start" in warns
    assert "~5 MiB" in warns and "drops older records silently" in warns
    assert "a 10,000-row insert already loses events" in warns
    # The durable alternative, with the address `make kafka` actually listens on.
    assert "`make kafka`" in warns
    assert f'`make run ARGS="-D bootstrap.servers=127.0.0.1:{makefile_kafka_port()}"`' in warns
    # The README shows these lines as they are.
    readme = re.findall(r"^\[[^]]+\] WARN (.*) \(connectd\.EmbeddedKafka\)$", (ROOT / "README.md").read_text(), re.M)
    shown = [l for l in readme if not l.startswith(("Stopping", "Connector"))]
    assert len(shown) == 3 and all(l in warns for l in shown), shown


def test_embedded_mode_does_not_check_compaction(connectd):
    # The check asks the broker to describe topic configs, which the embedded broker cannot do:
    # it would only time out (after default.api.timeout.ms) into a warning about it.
    c = connectd(env={"LOG_LEVEL": "DEBUG"}, args=["-D", "default.api.timeout.ms=1000"]).wait_ready()
    c.wait_output(r"DEBUG Not checking that the internal topics are compacted: connectd created "
                  r"them on its embedded broker")
    assert c.stop() == 0
    out = c.output()
    assert "Checking in the background that the internal topics are compacted" not in out
    assert "Could not verify that" not in out


def test_other_brokers_are_still_checked_for_compaction(broker, connectd):
    c = connectd(bootstrap=broker.bootstrap, env={"LOG_LEVEL": "DEBUG"}).wait_ready()
    c.wait_output(r"DEBUG Checking in the background that the internal topics are compacted")
    assert "Not checking that the internal topics are compacted" not in c.output()
