#!/usr/bin/env bash
# Fetches the Prometheus JMX exporter's Java agent from Maven Central with Maven into
# build/jmx-exporter (Maven's own cache in build/maven-repo): the reference Kafka Connect worker of
# the metrics test runs with it (scripts/connect.sh, CONNECT_JMX_EXPORTER_*). Does nothing when it
# is already there.
# Usage: fetch-jmx-exporter.sh VERSION
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: fetch-jmx-exporter.sh VERSION}
dest="$root/build/jmx-exporter"
[ -f "$dest/jmx_prometheus_javaagent-$version.jar" ] && exit 0
command -v mvn >/dev/null || { echo "fetch-jmx-exporter: mvn not found; run make deps" >&2; exit 1; }
echo "make deps: fetching the Prometheus JMX exporter agent $version from Maven Central into build/jmx-exporter"
rm -rf "$dest"
mkdir -p "$dest"
if ! mvn -B -q -f "$root/scripts/jmx-exporter-deps.xml" -Dmaven.repo.local="$root/build/maven-repo" \
      -Djmx.exporter.version="$version" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$dest" >"$dest/fetch.log" 2>&1; then
  tail -30 "$dest/fetch.log" >&2
  echo "fetch-jmx-exporter: Maven could not fetch io.prometheus.jmx:jmx_prometheus_javaagent:$version (log: $dest/fetch.log)" >&2
  exit 1
fi
[ -f "$dest/jmx_prometheus_javaagent-$version.jar" ] || { echo "fetch-jmx-exporter: the agent jar is missing after the fetch" >&2; exit 1; }
