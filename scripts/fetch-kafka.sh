#!/usr/bin/env bash
# Fetches a pinned Apache Kafka release's jars from Maven Central with Maven into
# build/kafka-<version>/libs (Maven's own cache in build/maven-repo), for scripts/kafka.sh.
# Does nothing when that version is already there. Usage: fetch-kafka.sh VERSION
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: fetch-kafka.sh KAFKA_VERSION}
dest="$root/build/kafka-$version"
[ -f "$dest/.complete" ] && exit 0

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "fetch-kafka: $tool not found; run make deps" >&2; exit 1; }
done
echo "make deps: fetching Apache Kafka $version from Maven Central into build/kafka-$version"
rm -rf "$dest"
mkdir -p "$dest"
if ! mvn -B -q -f "$root/scripts/kafka-deps.xml" -Dmaven.repo.local="$root/build/maven-repo" \
      -Dkafka.version="$version" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$dest/libs" >"$dest/fetch.log" 2>&1; then
  tail -30 "$dest/fetch.log" >&2
  echo "fetch-kafka: Maven could not fetch Apache Kafka $version (log: $dest/fetch.log)." >&2
  echo "fetch-kafka: is Maven Central (https://repo1.maven.org) reachable, and is $version a Kafka release?" >&2
  exit 1
fi
[ -f "$dest/libs/kafka_2.13-$version.jar" ] || { echo "fetch-kafka: kafka_2.13-$version.jar missing after the fetch" >&2; exit 1; }
echo "$version" > "$dest/.complete"
echo "make deps: Apache Kafka $version is in build/kafka-$version ($(ls "$dest/libs" | wc -l) jars)"
