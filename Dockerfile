# connectd container image: a drop-in for debezium/connect in docker-compose files.
#   docker build -t connectd .
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc make pkg-config git ca-certificates \
      libmicrohttpd-dev librdkafka-dev libjson-c-dev libpq-dev libpcre2-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make build/connectd

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmicrohttpd12 librdkafka1 libjson-c5 libpq5 libpcre2-8-0 libssl3 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/connectd /usr/local/bin/connectd
EXPOSE 8083
# Configured like debezium/connect: BOOTSTRAP_SERVERS, GROUP_ID, CONFIG_STORAGE_TOPIC, ... and
# CONNECT_* variables; or mount a worker.properties and pass its path.
ENTRYPOINT ["/usr/local/bin/connectd"]
