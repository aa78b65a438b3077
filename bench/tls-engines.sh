#!/usr/bin/env bash
# tls.engine: jdk against boringssl (issue 15 point 1), end to end: the same private Hikyaku
# (bench/lib/hikyaku-instance.sh, one ECDSA P-256 certificate) started once per engine and round,
# the load tool's submission workloads with a full TLS handshake on every connection
# (--no-tls-resume, as compare.sh): submission-1 (STARTTLS + AUTH PLAIN, one message per
# connection) and submissions-1 (implicit TLS + AUTH PLAIN). Reports msgs/s and the server's CPU
# per message (utime + stime of the JVM from /proc, over the measured part only), per round and as
# medians, and the ratio boringssl / jdk. Rounds alternate which engine goes first.
#
#   bench/tls-engines.sh [--rounds N] [--messages M] [--warmup W] [--connections C]
# Needs target/hikyaku.jar and bench/load/target/hikyaku-load.jar (built if missing). No root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HIKYAKU_ROOT=$PWD
# shellcheck source=bin/lib/find-java.sh
. bin/lib/find-java.sh
JAVA_HOME=$(hikyaku_find_java_home)
export JAVA_HOME HIKYAKU_ROOT
# shellcheck source=bench/lib/hikyaku-instance.sh
. bench/lib/hikyaku-instance.sh
if [[ $(hikyaku_java_major "$JAVA_HOME") -ge 24 ]]; then
  export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
fi

ROUNDS=3 MESSAGES=1000 WARMUP=1000 CONNECTIONS=20
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--messages M] [--warmup W] [--connections C]" >&2; exit 2 ;;
  esac
done

[[ -f target/hikyaku.jar ]] || ./mvnw -q -B -DskipTests package
[[ -f bench/load/target/hikyaku-load.jar ]] || ./mvnw -q -B -f bench/load/pom.xml package
LOAD=("$JAVA_HOME/bin/java" -jar bench/load/target/hikyaku-load.jar)

out=$PWD/bench/target/tls-engines
rm -rf "$out"
mkdir -p "$out/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=bench.hikyaku.test" -keyout "$out/tls/key.pem" -out "$out/tls/cert.pem" 2>/dev/null
chmod 600 "$out/tls/key.pem"
password="engines-$RANDOM-$RANDOM-$RANDOM-passphrase"
printf '%s\n' "$password" > "$out/password"
chmod 600 "$out/password"
results=$out/results.tsv
: > "$results"
trap hikyaku_stop EXIT
base=$((30000 + RANDOM % 20000))

ticks() { awk '{print $14 + $15}' "/proc/$HIKYAKU_PID/stat"; }

run() {
  local engine=$1 round=$2 dir=$out/r$round-$1
  export HIKYAKU_TLS_ENGINE=$engine HIKYAKU_HTTP_PORT=$((base + 4))
  hikyaku_write_config "$dir" bench.example "$base" "$((base + 1))" "$((base + 2))" "$out/tls/cert.pem" "$out/tls/key.pem"
  hikyaku_add_account "$dir" load@bench.example "$password"
  hikyaku_start "$dir"
  grep -q "($engine engine for SMTP)" "$dir/server.log" || { echo "the server did not say it serves $engine" >&2; exit 1; }
  local workload port tls t0 t1 file
  for workload in submission-1 submissions-1; do
    if [[ $workload == submission-1 ]]; then port=$((base + 1)) tls=starttls; else port=$((base + 2)) tls=implicit; fi
    # Warm-up (JIT, pools), not counted: with 300 the first workload of a fresh JVM still paid for
    # compilation (about twice the server CPU per message of the second in a first run).
    "${LOAD[@]}" --port "$port" --tls "$tls" --no-tls-resume --auth plain --user load@bench.example \
      --password-file "$out/password" -c "$CONNECTIONS" -k 1 -m "$WARMUP" --to friend@example.net --timeout 60 > "$dir/$workload-warmup.out" || true
    file=$dir/$workload.out
    t0=$(ticks)
    "${LOAD[@]}" --label "$engine $workload r$round" --port "$port" --tls "$tls" --no-tls-resume --auth plain \
      --user load@bench.example --password-file "$out/password" -c "$CONNECTIONS" -k 1 -m "$MESSAGES" \
      --to friend@example.net --timeout 60 > "$file" || true
    t1=$(ticks)
    local accepted rate cpu
    accepted=$(json_field "$file" accepted)
    rate=$(json_field "$file" msgsPerSecond)
    cpu=$(python3 -c "print(round(1000 * ($t1 - $t0) / $(getconf CLK_TCK) / max(1, ${accepted:-0}), 3))")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$engine" "$workload" "${accepted:-0}" "${rate:-0}" "$cpu" >> "$results"
    printf '  round %s %-9s %-13s accepted %5s  %8s msgs/s  server CPU %6s ms/msg  (load %s)\n' \
      "$round" "$engine" "$workload" "${accepted:-0}" "${rate:-0}" "$cpu" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  hikyaku_stop
}

echo "tls-engines: $ROUNDS rounds, $MESSAGES messages a workload after $WARMUP warm-up, $CONNECTIONS connections, $(nproc) cores"
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then order=(jdk boringssl); else order=(boringssl jdk); fi
  for engine in "${order[@]}"; do
    run "$engine" "$round"
  done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
def median(engine, workload, column):
    return statistics.median(float(r[column]) for r in rows if r[1] == engine and r[2] == workload)
print("\nmedians over rounds (ratio = boringssl / jdk):")
print("| workload | jdk msgs/s | boringssl msgs/s | ratio | jdk server CPU ms/msg | boringssl | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for workload in ("submission-1", "submissions-1"):
    jr, br = median("jdk", workload, 4), median("boringssl", workload, 4)
    jc, bc = median("jdk", workload, 5), median("boringssl", workload, 5)
    print(f"| {workload} | {jr:.1f} | {br:.1f} | {br / jr:.2f} | {jc:.3f} | {bc:.3f} | {bc / jc:.2f} |")
PY
