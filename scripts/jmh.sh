#!/usr/bin/env bash
# Runs the JMH hot-path benchmarks (src/jmh/java). Extra arguments go to JMH, e.g.
#   scripts/jmh.sh -prof gc            # allocation per operation
#   scripts/jmh.sh decodeLines -f 1    # one benchmark
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Pjmh -DskipTests test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" org.openjdk.jmh.Main \
    'io.fanout.jmh.*' "$@"
