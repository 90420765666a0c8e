#!/usr/bin/env bash
# Runs the JMH hot-path benchmarks (src/jmh/java). Extra arguments go to JMH, e.g.
#   scripts/jmh.sh -prof gc            # allocation per operation
#   scripts/jmh.sh decodeLines -f 1    # one benchmark
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Pjmh -DskipTests test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
# A first argument that is not an option names the benchmarks to run (a regex, as JMH takes
# it); without one, all of them run. JMH runs every pattern it is given, so the default must
# not be passed beside a chosen one.
only='io.fanout.jmh.*'
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  only="io.fanout.jmh.*$1"; shift
fi
exec java -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" org.openjdk.jmh.Main \
    "$only" "$@"
