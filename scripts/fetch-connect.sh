#!/usr/bin/env bash
# Fetches the reference stack of the differential tests from Maven Central with Maven: a pinned
# Apache Kafka Connect release into build/connect-<version>/libs and a pinned Debezium PostgreSQL
# connector into build/connect-<version>/plugins/debezium-connector-postgres (Maven's own cache in
# build/maven-repo), for scripts/connect.sh. Does nothing when they are already there.
# Usage: fetch-connect.sh CONNECT_VERSION DEBEZIUM_VERSION
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: fetch-connect.sh CONNECT_VERSION DEBEZIUM_VERSION}
dbz=${2:?usage: fetch-connect.sh CONNECT_VERSION DEBEZIUM_VERSION}
dest="$root/build/connect-$version"
plugin="$dest/plugins/debezium-connector-postgres"
[ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$version $dbz" ] && exit 0

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "fetch-connect: $tool not found; run make deps" >&2; exit 1; }
done

# fetch POM OUTDIR -Dprop=value...: copies the POM's runtime dependencies into OUTDIR.
fetch() {
  local pom=$1 out=$2; shift 2
  if ! mvn -B -q -f "$root/scripts/$pom" -Dmaven.repo.local="$root/build/maven-repo" "$@" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out" \
        >>"$dest/fetch.log" 2>&1; then
    tail -30 "$dest/fetch.log" >&2
    echo "fetch-connect: Maven could not fetch what scripts/$pom lists ($*; log: $dest/fetch.log)." >&2
    echo "fetch-connect: is Maven Central (https://repo1.maven.org) reachable, and are these releases?" >&2
    exit 1
  fi
}

echo "make deps: fetching Apache Kafka Connect $version and Debezium $dbz (PostgreSQL) from Maven Central into build/connect-$version"
rm -rf "$dest"
mkdir -p "$dest/libs" "$plugin"
fetch connect-deps.xml "$dest/libs" -Dconnect.version="$version"
# SLF4J stays with the runtime: a second copy in the plugin's directory would be a second API
# beside the one the runtime's log4j binding serves.
fetch debezium-deps.xml "$plugin" -Ddebezium.version="$dbz" -DexcludeArtifactIds=slf4j-api
[ -f "$dest/libs/connect-runtime-$version.jar" ] || { echo "fetch-connect: connect-runtime-$version.jar missing after the fetch" >&2; exit 1; }
[ -f "$plugin/debezium-connector-postgres-$dbz.jar" ] || { echo "fetch-connect: debezium-connector-postgres-$dbz.jar missing after the fetch" >&2; exit 1; }
echo "$version $dbz" > "$dest/.complete"
echo "make deps: Kafka Connect $version ($(ls "$dest/libs" | wc -l) jars) and Debezium $dbz ($(ls "$plugin" | wc -l) jars) are in build/connect-$version"
