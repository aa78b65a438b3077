# shellcheck shell=bash
# The common start of bench/compare.sh and bench/api.sh, sourced from the repository root: a JDK
# (bin/lib/find-java.sh) in JAVA_HOME, HIKYAKU_ROOT, the MAVEN_OPTS a JDK 24+ wants, and the
# instance (bench/lib/hikyaku-instance.sh) and measuring (bench/lib/measure.sh) helpers.
#
#   log TEXT...    a line with the time
#   bench_build    builds target/hikyaku.jar when it is missing or older than the sources, and the
#                  load tool (without its tests); sets LOAD, the tool's command line

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# shellcheck source=bin/lib/find-java.sh
. bin/lib/find-java.sh
JAVA_HOME=$(hikyaku_find_java_home)
export JAVA_HOME HIKYAKU_ROOT=$PWD
if [[ $(hikyaku_java_major "$JAVA_HOME") -ge 24 ]]; then
  export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
fi
# shellcheck source=bench/lib/hikyaku-instance.sh
. bench/lib/hikyaku-instance.sh
# shellcheck source=bench/lib/measure.sh
. bench/lib/measure.sh

bench_build() {
  if [[ ! -f target/hikyaku.jar ]] || [[ -n "$(find src/main pom.xml -newer target/hikyaku.jar -print -quit)" ]]; then
    log "building target/hikyaku.jar"
    ./mvnw -q -B -DskipTests package
  fi
  log "building the load tool"
  ./mvnw -q -B -f bench/load/pom.xml package -DskipTests
  # The client's JVM: serial GC and C1 only, the cheapest on CPU for a tool that shares the cores.
  LOAD=("$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$HIKYAKU_ROOT/bench/load/target/hikyaku-load.jar")
}
