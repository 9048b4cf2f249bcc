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


class JavaConnect:
    """One Kafka Connect worker (distributed mode) in a temp directory, on the given broker."""

    def __init__(self, bootstrap, settings=None):
        self.dir = tempfile.mkdtemp(prefix="connectd-reference-")
        self.port = free_port()
        kv = [f"{k}={v}" for k, v in {**SHARED_WORKER_SETTINGS, **(settings or {})}.items()]
        r = subprocess.run(["bash", CONNECT_SH, "start", self.dir, bootstrap, str(self.port), *kv],
                           capture_output=True, text=True, timeout=300)
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
# and transformations, Kafka's number and boolean converters, and every
# transformation and predicate (connectd has none yet). Validate lists them among the recommended
# values of the converter keys and of transforms.<alias>.type; connectd lists what it has.
_JAVA_ONLY_PLUGIN = re.compile(
    r"^(io\.debezium\.(converters|transforms|connector\.postgresql\.transforms)\."
    r"|org\.apache\.kafka\.connect\.converters\.(Boolean|Double|Float|Integer|Long|Short)Converter$"
    r"|org\.apache\.kafka\.connect\.transforms\.)")
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
    Known("recommended plugins in validate",
          "validate recommends, for the converter keys and transforms.<alias>.type, the classes of "
          "every plugin on the worker's plugin path: Kafka Connect also has Debezium's converters "
          "and transformations, more converters and the transformations, which connectd does not "
          "implement. Only those class names may differ; the rest of the answer, the order of the "
          "classes included, is the same",
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
          "and every logger set through the API, with the same levels",
          lambda step: step.method == "GET" and step.path.rstrip("/") == "/admin/loggers",
          agree=lambda step: step.cd[0] == step.java[0] == 200 and all(
              step.cd[1].get(k) == v for k, v in step.java[1].items()
              if k == "root" or v.get("last_modified") is not None)),
]


class Step:
    def __init__(self, method, path, body, cd, java):
        self.method, self.path, self.body, self.cd, self.java = method, path, body, cd, java


def known_difference(step):
    """The KNOWN_DIFFERENCES entry that applies to a step, or None."""
    for k in KNOWN_DIFFERENCES:
        try:
            if k.applies(step):
                return k
        except (AttributeError, TypeError, KeyError):
            continue
    return None
