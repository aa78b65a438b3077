#!/usr/bin/env bash
# Builds and runs the JMH benchmarks of Hikyaku's hot paths. Arguments go to JMH, e.g.
#   bench/jmh/run.sh                       # all, short settings (about 5 minutes on 2 cores)
#   bench/jmh/run.sh StoreBenchmark -f 1   # one class
#   bench/jmh/run.sh -h                    # JMH's own options
#   bench/jmh/run.sh --main CLASS ARGS...  # a harness of this project instead of JMH (bench/handshake.sh)
# Results also go to bench/target/jmh-results.json. Needs target/hikyaku.jar (built when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=bin/lib/find-java.sh
. bin/lib/find-java.sh
JAVA_HOME=$(hikyaku_find_java_home)
export JAVA_HOME
if [[ $(hikyaku_java_major "$JAVA_HOME") -ge 24 ]]; then
  export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
fi
if [[ ! -f target/hikyaku.jar ]] || [[ -n "$(find src/main pom.xml -newer target/hikyaku.jar -print -quit)" ]]; then
  ./mvnw -q -B -DskipTests package
fi
./mvnw -q -B -f bench/jmh/pom.xml package
mkdir -p bench/target
classpath="bench/jmh/target/hikyaku-jmh.jar:target/hikyaku.jar:$(cat bench/jmh/target/classpath.txt)"
if [[ ${1:-} == --main ]]; then
  # One heap size for every variant of a harness; the server's own collector (G1).
  exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m -cp "$classpath" "${@:2}"
fi
# Short by default (2 cores, shared): 1 fork, 2 warm-up and 3 measured iterations of 2 s each.
# An option given on the command line replaces its default (JMH refuses an option given twice).
defaults=(-f 1 -wi 2 -w 2s -i 3 -r 2s -rf json -rff bench/target/jmh-results.json)
options=()
for ((i = 0; i < ${#defaults[@]}; i += 2)); do
  given=false
  for arg in "$@"; do
    [[ $arg == "${defaults[i]}" ]] && given=true
  done
  $given || options+=("${defaults[i]}" "${defaults[i + 1]}")
done
unsafe=""
if [[ $(hikyaku_java_major "$JAVA_HOME") -ge 24 ]]; then
  unsafe="--sun-misc-unsafe-memory-access=allow"  # JMH 1.37 uses sun.misc.Unsafe
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED $unsafe -cp "$classpath" org.openjdk.jmh.Main \
  "${options[@]}" \
  -jvmArgsAppend "--enable-native-access=ALL-UNNAMED $unsafe -Dhikyaku.bench.dir=$PWD/bench/target/jmh-store" "$@"
