"""The reference stack of the differential tests: the real Apache Kafka Connect with the real
Debezium PostgreSQL connector (scripts/connect.sh, fetched by `make deps`), run beside connectd on
the same inputs, and the normalisation their outputs go through before they are compared.

Normalisation is a short list on purpose. Everything else must be equal byte for byte; a new entry
needs a reason why the two can never agree on it (it names the process, the clock or the version)."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT, free_port, http

CONNECT_SH = str(ROOT / "scripts" / "connect.sh")

# Settings both workers get in the differential tests, so that they commit offsets as often.
SHARED_WORKER_SETTINGS = {"offset.flush.interval.ms": "500"}


# The JMX exporter rules the reference worker's /metrics (metrics_url) is served with: Strimzi's
# example Kafka Connect rules and Debezium's (test_metrics.py compares connectd's /metrics with it).
METRICS_RULES = str(ROOT / "config" / "metrics" / "kafka-connect-metrics.yml")


class JavaConnect:
    """One Kafka Connect worker (distributed mode) in a temp directory, on the given broker, with
    the Prometheus JMX exporter's agent serving its MBeans at metrics_url."""

    def __init__(self, bootstrap, settings=None):
        self.dir = tempfile.mkdtemp(prefix="connectd-reference-")
        self.port = free_port()
        metrics_port = free_port()
        self.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        env = dict(os.environ, CONNECT_JMX_EXPORTER_PORT=str(metrics_port), CONNECT_JMX_EXPORTER_RULES=METRICS_RULES)
        kv = [f"{k}={v}" for k, v in {**SHARED_WORKER_SETTINGS, **(settings or {})}.items()]
        r = subprocess.run(["bash", CONNECT_SH, "start", self.dir, bootstrap, str(self.port), *kv],
                           capture_output=True, text=True, timeout=300, env=env)
        if r.returncode != 0:
            log = self.log()[-4000:]
            shutil.rmtree(self.dir, ignore_errors=True)
            pytest.fail(f"Kafka Connect did not start:\n{r.stdout}{r.stderr}\n{log}")
        with open(os.path.join(self.dir, "url")) as f:
            self.url = f.read().strip()

    def log(self):
        try:
            with open(os.path.join(self.dir, "connect.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def get(self, path, **kw):
        return http("GET", self.url + path, **kw)

    def request(self, method, path, body=None, **kw):
        return http(method, self.url + path, body=body, **kw)

    def stop(self):
        subprocess.run(["bash", CONNECT_SH, "stop", self.dir], capture_output=True, timeout=120)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- normalisation

# What differs between any two workers, or between two runs of one, and why it may.
NORMALISATION = [
    ("worker_id", "names the worker's host and REST port, which differ between the two processes"),
    ("trace", "a Java stack trace in a FAILED status names Java classes and line numbers; compared "
              "only up to its first line (the exception's message)"),
    ("GET / commit", "the worker's own build (its version is the Kafka Connect release whose "
                     "REST API it serves, and is compared)"),
    ("GET / kafka_cluster_id", "each side runs on a broker of its own"),
    ("status record generation", "the group generation the status was written in: it counts the "
                                 "rebalances of the worker's group, which depend on the group's "
                                 "history (the reference worker is shared by the whole session)"),
    ("last_modified", "a logger's last change through the API, in epoch ms of each worker's own "
                      "clock; compared only as null or not"),
]

_WORKER_ID = re.compile(r"^127\.0\.0\.1:\d+$")


def normalise(value, path=None):
    """A copy of a parsed JSON REST body (the answer to GET path) with the NORMALISATION entries
    replaced by placeholders."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "worker_id" and isinstance(v, str) and _WORKER_ID.match(v):
                v = "<worker>"
            elif k == "trace" and isinstance(v, str):
                v = v.splitlines()[0] if v else v
            elif path == "/" and k in ("commit", "kafka_cluster_id") and isinstance(v, str):
                v = f"<{k}>"
            elif k == "last_modified" and isinstance(v, int):
                v = "<time>"
            else:
                v = normalise(v)
            out[k] = v
        return out
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def same(connectd_answer, java_answer, path=None):
    """(status, normalised body) of each, for an assert ==; bodies that are not JSON compare raw."""
    def view(a):
        status, parsed, raw = a
        return status, normalise(parsed, path) if parsed is not None or not raw else raw
    return view(connectd_answer), view(java_answer)


# ---------------------------------------------------------------- known differences

class Known:
    """A step where connectd knowingly answers otherwise than Kafka Connect, and why.

    applies(step) says whether a step (.method, .path, .body, .cd and .java: the normalised
    (status, body) of each side) is one of them. A step it applies to must still differ (else the
    entry is stale and the test fails: remove it). Then, if strip is given, the two answers must
    be equal once strip has taken the listed difference out of each; if agree is given, agree(step)
    must hold (the part of the answer that clients do rely on is the same)."""

    def __init__(self, what, reason, applies, strip=None, agree=None):
        self.what, self.reason, self.applies, self.strip, self.agree = what, reason, applies, strip, agree


def _error(answer):
    status, body = answer
    return status, body.get("message") if isinstance(body, dict) else None


def _jackson(step):
    status, msg = _error(step.java)
    return status == 500 and isinstance(msg, str) and "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)" in msg


# Plugins on Kafka Connect's plugin path that connectd does not implement: Debezium's converters
# and its transformations other than the three connectd has, and Kafka's number and boolean
# converters (README, "Transforms"). Validate lists
# them among the recommended values of the converter keys and of <transforms|predicates>.<a>.type;
# connectd lists what it has.
_JAVA_ONLY_PLUGIN = re.compile(
    r"^(io\.debezium\.(converters|transforms|connector\.postgresql\.transforms)\."
    r"(?!(ExtractNewRecordState|ByLogicalTableRouter|outbox\.EventRouter)$)"
    r"|org\.apache\.kafka\.connect\.converters\.(Boolean|Double|Float|Integer|Long|Short)Converter$)")
_CLASS_KEY = re.compile(r"^((key|value|header)\.converter|(transforms|predicates)\.[^.]+\.type)$")


def _plugins_strip(answer):
    status, body = answer
    if not (isinstance(body, dict) and isinstance(body.get("configs"), list)):
        return answer

    def value(v):
        if isinstance(v, dict) and _CLASS_KEY.match(str(v.get("name"))):
            return dict(v, recommended_values=[x for x in v.get("recommended_values") or []
                                               if not _JAVA_ONLY_PLUGIN.match(str(x))])
        return v
    return status, dict(body, configs=[dict(c, value=value(c.get("value"))) for c in body["configs"]])


def _plugins_recommended(step):
    return _plugins_strip(step.java) != step.java


_REMOVED_OPTION = re.compile(r"transforms\.[^.]+\.(whitelist|blacklist)$")


def _removed_options_strip(answer):
    """A validate answer without connectd's entries for ReplaceField's removed options."""
    status, body = answer
    if not (isinstance(body, dict) and isinstance(body.get("configs"), list)):
        return answer
    kept, dropped = [], 0
    for c in body["configs"]:
        if _REMOVED_OPTION.match(str((c.get("value") or {}).get("name"))):
            dropped += len(c["value"].get("errors") or [])
        else:
            kept.append(c)
    return status, dict(body, configs=kept, error_count=body.get("error_count", 0) - dropped)


def _removed_options(step):
    return step.path.endswith("/config/validate") and _removed_options_strip(step.cd) != step.cd


# A Java exception's class name that Kafka Connect puts before a message when it wraps the
# exception ("org.apache.kafka.connect.errors.ConnectException: ...").
_EXCEPTION_PREFIX = re.compile(r"^((?:org|java)\.[\w.$]+(?:Exception|Error): )+")


def _unwrapped(msg):
    return _EXCEPTION_PREFIX.sub("", msg) if isinstance(msg, str) else msg


def _unknown_class(step):
    return isinstance(_error(step.java)[1], str) and _unwrapped(_error(step.java)[1]).startswith(
        "Failed to find any class that implements Connector and which name matches")


_AVAILABLE = "available connectors are: "


def _unknown_class_agree(step):
    (cs, cm), (js, jm) = _error(step.cd), _error(step.java)
    return cs == 400 and cm.split(_AVAILABLE)[0] == _unwrapped(jm).split(_AVAILABLE)[0]


def _wrapped(step):
    return _EXCEPTION_PREFIX.match(_error(step.java)[1] or "") is not None


def _wrapped_agree(step):
    (cs, cm), (js, jm) = _error(step.cd), _error(step.java)
    return cm == _unwrapped(jm) and cs == (400 if "BadRequestException: " in jm else js)


KNOWN_DIFFERENCES = [
    Known("ReplaceField's removed whitelist and blacklist",
          "Kafka 4.0 removed ReplaceField's whitelist and blacklist and Kafka Connect 4 ignores them, so "
          "the transformation silently stops filtering; connectd refuses them at validate (and at "
          "start), naming include or exclude. The rest of the answer is the same",
          _removed_options, strip=_removed_options_strip),
    Known("recommended plugins in validate",
          "validate recommends, for the converter keys and transforms.<alias>.type, the classes of "
          "every plugin on the worker's plugin path: Kafka Connect also has Debezium's converters and "
          "its other transformations, and more converters. Only those class names may differ; the "
          "rest of the answer, the order of the classes included, is the same",
          _plugins_recommended, strip=_plugins_strip),
    Known("malformed request bodies",
          "Kafka Connect answers a body Jackson cannot map (bad JSON, an unknown field, an object "
          "where a config value should be) with 500 and Jackson's parser message, which names Java "
          "classes and columns; connectd answers 400 saying what to fix",
          _jackson, agree=lambda step: step.cd[0] == 400),
    Known("POST /connectors without config",
          "Kafka Connect answers a NullPointerException's text with 500; connectd answers 400 "
          "with what to fix",
          lambda step: step.method == "POST" and step.path.rstrip("/") == "/connectors"
          and isinstance(step.body, dict) and "config" not in step.body,
          agree=lambda step: step.cd[0] == 400),
    Known("unknown connector class: the list of available connectors",
          "after 'available connectors are: ' Kafka Connect prints its PluginDesc objects "
          "(class, version, the location of the jar on disk); connectd lists its plugins' class "
          "names and aliases. Status and the text before the list (which kcctl matches on) agree",
          _unknown_class, agree=_unknown_class_agree),
    Known("a Java exception's class name before the message",
          "where Kafka Connect wraps an exception it prints the exception's class name before the "
          "message (\"org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector "
          "config {...} contains no connector type\", and answers a validate request's "
          "BadRequestException with 500); connectd answers the message alone, with 400 for a "
          "client's mistake",
          _wrapped, agree=_wrapped_agree),
    Known("PATCH config with another name",
          "Kafka Connect's PATCH .../config does not check the name in the patch and stores a "
          "config whose name differs from the connector's; connectd refuses it with the 400 that "
          "PUT .../config answers",
          lambda step: step.method == "PATCH" and step.path.endswith("/config")
          and isinstance(step.body, dict) and "name" in step.body,
          agree=lambda step: step.cd[0] == 400 and "doesn't match connector name" in step.cd[1]["message"]),
    Known("plugins other than connectors",
          "connectd has its own set of converters, transforms and predicates, not Kafka Connect's "
          "and Debezium's jars: GET /connector-plugins?connectorsOnly=false lists fewer. Every "
          "plugin connectd lists is in Kafka Connect's list too, with the same type and version, "
          "in the same order",
          lambda step: step.method == "GET" and step.path.startswith("/connector-plugins?")
          and "connectorsOnly=false" in step.path,
          agree=lambda step: step.cd[0] == step.java[0] == 200
          and [p for p in step.java[1] if p in step.cd[1]] == step.cd[1]),
    Known("GET /admin/loggers",
          "Kafka Connect 4 (log4j2) lists every logger its JVM has created, one per Java class "
          "that logs (Jetty, Kafka clients, Debezium); connectd lists its own. Both list root "
          "and every logger set through the API, with the same levels (the reference's JVM also "
          "keeps the loggers earlier tests set on it, which a test's fresh connectd never saw: "
          "those, named connectd.difftest.<another test>, are left out)",
          lambda step: step.method == "GET" and step.path.rstrip("/") == "/admin/loggers",
          agree=lambda step: step.cd[0] == step.java[0] == 200 and all(
              step.cd[1].get(k) == v for k, v in step.java[1].items()
              if (k == "root" or v.get("last_modified") is not None)
              and not (k.startswith("connectd.difftest.") and k not in step.cd[1]))),
]


class Step:
    def __init__(self, method, path, body, cd, java):
        self.method, self.path, self.body, self.cd, self.java = method, path, body, cd, java


def known_difference(step):
    """The KNOWN_DIFFERENCES entry that applies to a step (several that strip their difference
    out combine into one), or None."""
    hits = []
    for k in KNOWN_DIFFERENCES:
        try:
            if k.applies(step):
                hits.append(k)
        except (AttributeError, TypeError, KeyError):
            continue
    if not hits:
        return None
    # Entries that take their difference out of the answers (strip) combine; one that only checks
    # what must still agree speaks for the step alone (the first in the list).
    if len(hits) == 1 or not all(k.strip and not k.agree for k in hits):
        return hits[0]

    def strip(answer):
        for k in hits:
            answer = k.strip(answer)
        return answer
    return Known(" and ".join(k.what for k in hits), "; ".join(k.reason for k in hits), lambda step: True,
                 strip=strip)

# ---------------------------------------------------------------- change events

# What may differ between the records connectd and Debezium write for the same WAL, and why. Each
# entry is applied by normalise_record (test_differential_events.py); everything else is compared
# byte for byte, in order, per topic-partition.
EVENT_NORMALISATION = [
    ("envelope ts_ms/ts_us/ts_ns", "the time the connector built the event (a data, truncate or "
     "message event's top-level ts_*): each process's own wall clock. The source block's ts_* are "
     "the commit time from the WAL and are compared"),
    ("heartbeat ts_ms", "the wall-clock time the heartbeat was emitted"),
    ("heartbeat count", "heartbeats come on each process's own timer, so how many there are differs; "
     "their partitions and their distinct records (after the ts_ms above) are compared"),
    ("__debezium.context.runId header", "a random UUID per connector run (Debezium 3.4); only its "
     "presence and form are compared"),
    ("partition of a record without a key", "the producer picks it at random (Kafka's sticky "
     "partitioner; librdkafka's random one): such records (truncates, rows of tables without a key) "
     "are compared across their topic in a canonical order, the others per partition in order"),
    ("offsets", "offsets are committed on each worker's own timer: only the last committed offset "
     "of each connector is compared, once the workload is over"),
    # The initial snapshot's records (op "r") and offsets: each side creates its slot, and so its
    # exported snapshot, at a moment of its own.
    ("op \"r\" source.lsn, source.sequence; a snapshot offset's lsn", "the slot's consistent point "
     "where streaming starts after the snapshot: each side creates its own slot at its own moment, "
     "so the WAL position differs (later positions, of streamed changes, are compared)"),
    ("op \"r\" source.txId; a snapshot offset's txId", "the snapshot transaction's id "
     "(txid_current() in the transaction that reads the rows): one per side"),
    ("op \"r\" source.ts_ms/ts_us/ts_ns; a snapshot offset's ts_usec", "when the snapshot read "
     "the rows, on each process's own clock"),
]

_SNAPSHOT_SOURCE = {("payload", "source", k) for k in ("lsn", "txId", "ts_ms", "ts_us", "ts_ns", "sequence")}
_SNAPSHOT_OFFSET = {(k,) for k in ("lsn", "txId", "ts_usec")}


def normalise_offset(value):
    """The value bytes of a committed offset with the snapshot entries of EVENT_NORMALISATION applied when it is a
    snapshot's (it has a "snapshot" member: a snapshot record's offset, completed or not)."""
    if value is None:
        return None
    text = value.decode("utf-8", "backslashreplace")
    try:
        if "snapshot" not in json.loads(text):
            return value
    except (ValueError, TypeError):
        return value
    return _replace_paths(text, _SNAPSHOT_OFFSET).encode()


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ENVELOPE_TS = {("payload", "ts_ms"), ("payload", "ts_us"), ("payload", "ts_ns")}


def _scalar_spans(text):
    """(path, start, end) of every scalar value of a JSON text, path a tuple of member names and
    array indexes; the text is assumed valid JSON (json.loads has accepted it)."""
    spans, i, n = [], 0, len(text)

    def ws(i):
        while i < n and text[i] in " \t\r\n":
            i += 1
        return i

    def string_end(i):  # i at the opening quote
        i += 1
        while text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        return i + 1

    def value(i, path):
        i = ws(i)
        c = text[i]
        if c == "{":
            i = ws(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                i = ws(i)
                end = string_end(i)
                name = json.loads(text[i:end])
                i = ws(end) + 1  # past ':'
                i = ws(value(i, path + (name,)))
                if text[i] == "}":
                    return i + 1
                i += 1  # ','
        if c == "[":
            i, k = ws(i + 1), 0
            if text[i] == "]":
                return i + 1
            while True:
                i = ws(value(i, path + (k,)))
                k += 1
                if text[i] == "]":
                    return i + 1
                i += 1
        end = string_end(i) if c == '"' else i
        if c != '"':
            while end < n and text[end] not in ",}] \t\r\n":
                end += 1
        spans.append((path, i, end))
        return end

    value(i, ())
    return spans


def _replace_paths(text, paths):
    """text with the scalar values at the given paths replaced by "<normalised>"."""
    try:
        json.loads(text)
    except ValueError:
        return text
    out, last = [], 0
    for path, start, end in _scalar_spans(text):
        if path in paths:
            out.append(text[last:start])
            out.append('"<normalised>"')
            last = end
    out.append(text[last:])
    return "".join(out)


def normalise_record(topic, key, value, headers):
    """(key text, value text, headers) of one record with EVENT_NORMALISATION applied to the raw
    bytes: member order, spacing and escaping stay exactly as written."""
    k = key.decode("utf-8", "backslashreplace") if key is not None else None
    v = value.decode("utf-8", "backslashreplace") if value is not None else None
    if v is not None:
        if topic.startswith("__debezium-heartbeat."):
            v = _replace_paths(v, {("payload", "ts_ms")})
        else:
            try:
                op = json.loads(v).get("payload", {}).get("op")
            except (ValueError, AttributeError):
                op = None
            if op == "r":
                v = _replace_paths(v, _ENVELOPE_TS | _SNAPSHOT_SOURCE)
            elif op is not None:
                v = _replace_paths(v, _ENVELOPE_TS)
    hs = []
    for name, hv in headers:
        text = hv.decode("utf-8", "backslashreplace") if hv is not None else None
        if name == "__debezium.context.runId" and text and _UUID.match(text):
            text = "<uuid>"
        hs.append((name, text))
    return k, v, hs


class EventKnown:
    """A difference between connectd and Debezium that the tests accept for now: which tests must
    show it (it fails them when it no longer does), a matcher over eventdiff.Difference, and why."""

    def __init__(self, name, tests, matches, reason):
        self.name, self.tests, self.matches, self.reason = name, set(tests), matches, reason


def _header_names(text):
    try:
        return [h[0] for h in json.loads(text)]
    except (TypeError, ValueError):
        return None


def _context_headers_on_non_data(d):
    names_cd, names_dbz = _header_names(d.connectd), _header_names(d.debezium)
    return (d.aspect == "headers" and names_cd is not None and names_dbz is not None
            and not any(n.startswith("__debezium.context.") for n in names_dbz)
            and any(n.startswith("__debezium.context.") for n in names_cd))


def _missing_run_id(d):
    if d.aspect != "headers":
        return False
    try:
        cd, dbz = json.loads(d.connectd), json.loads(d.debezium)
    except (TypeError, ValueError):
        return False
    return (["__debezium.context.runId", "<uuid>"] in dbz
            and cd == [h for h in dbz if h[0] != "__debezium.context.runId"])


def _offset_members(d, only_extra):
    if d.aspect != "offset" or not d.path or d.path[-1] != "<members>":
        return False
    try:
        cd, dbz = json.loads(d.connectd.replace("'", '"')), json.loads(d.debezium.replace("'", '"'))
    except (TypeError, ValueError, AttributeError):
        return False
    return [m for m in cd if m != "lsn_events_processed"] == dbz and "lsn_events_processed" in cd


_DATA_TESTS = {"test_types_under_every_mode", "test_record_kinds",
               "test_unchanged_toast_under_each_replica_identity", "test_alter_table_mid_stream",
               "test_non_ascii_names", "test_snapshot_types", "test_snapshot_markers_and_order",
               "test_incremental_snapshot",
               "test_unwrap_option_sets", "test_dashboard_deletes_flagged",
               "test_by_logical_table_router", "test_unwrap_route_by_field_and_transaction_fields",
               "test_postgres_records_a_transformation_fails_on_are_skipped",
               "test_cast_columns", "test_timestamp_converter_columns",
               "test_outbox_option_sets"}
_TX_TESTS = {"test_record_kinds", "test_alter_table_mid_stream", "test_non_ascii_names"}

EVENT_KNOWN_DIFFERENCES = [
    EventKnown("lsn_events_processed", _DATA_TESTS - {"test_non_ascii_names"}, lambda d: _offset_members(d, True),
          "deliberate: connectd writes Debezium 3.7's lsn_events_processed (dbz#1554) so that a resume "
          "inside a WAL record that gave several records loses nothing; Debezium 3.4 ignores the member"),
    EventKnown("message data collection", {"test_record_kinds"},
          lambda d: (d.aspect == "value" and d.topic.endswith(".transaction") and d.path
                     and "data_collections" in d.path
                     and ("LogicalDecodingMessageId@" in (d.debezium or "") or d.connectd == '""'
                          or d.path[-1] == "event_count")),
          "a Debezium accident, nondeterministic: a transaction's END names a logical message's "
          "collection by Java's default toString (LogicalDecodingMessageMonitor$"
          "LogicalDecodingMessageId@<identity hash>) and lists the collections in HashMap order of "
          "those hashes; connectd names it \"\" and keeps first-seen order"),
]
