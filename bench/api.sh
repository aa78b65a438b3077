#!/usr/bin/env bash
# Sending over the HTTP API against SMTP submission, same server, same run (issue 12):
#
#   bench/api.sh [--rounds N] [--messages M] [--warmup W] [--quick] [--profile]
#
# 1. Builds target/hikyaku.jar (when missing or older than the sources) and the load tool.
# 2. Each round starts a private Hikyaku under bench/target/api (bench/lib/hikyaku-instance.sh:
#    loopback ports, delivery off so accepted mail stays in the queue, as in compare.sh's intake
#    workloads, no per-client rates), makes the account and an API key with scope send through the
#    CLI (the key goes to a file of mode 600, never onto a command line), warms the server up with W
#    messages of each workload (not counted), and then runs, alternating which door goes first:
#      api            20 clients, one HTTP/1.1 keep-alive connection each, POST /v1/messages of a
#                     4 KiB JSON body (from, to, subject, text); 202 is accepted
#      submission-1   20 connections, STARTTLS + AUTH PLAIN with the API key as the password, 1
#                     message per connection, 4 KiB messages, full TLS handshakes (as compare.sh)
#      submission-10  the same with 10 messages per connection
#    each M messages (default 8000; W defaults to 1000), with the server's CPU time per message and
#    the CPU time the rest of the machine took meanwhile (bench/lib/measure.sh): the warm-ups before
#    all three keep the JIT's work out of every measured run, whichever goes first. Each measured
#    run also starts with 200 messages the tool does not time (its own JIT, and the API clients'
#    connections opened), whose server CPU is counted with the rest.
# 3. Prints the medians over rounds (min-max), and API / SMTP msgs/s, per round and its median.
#
# --quick: M 1000, W 100, figures not worth keeping. --profile: afterwards one more api workload
# under Java Flight Recorder (the measured part only), and bench/jfr-top.sh's view of it. Raw
# results: bench/target/api.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

ROUNDS=3
MESSAGES=8000
WARMUP=1000
PROFILE=false
CONNECTIONS=20
SIZE=4KiB

usage() {
  sed -n '2,/^set -euo pipefail/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --quick) MESSAGES=1000 WARMUP=100; shift ;;
    --profile) PROFILE=true; shift ;;
    -h|--help) usage ;;
    *) echo "api.sh: unknown option $1" >&2; usage ;;
  esac
done

# shellcheck source=bench/lib/setup.sh
. bench/lib/setup.sh
bench_build

OUT=$ROOT/bench/target/api
HK=$OUT/hikyaku
RESULTS=$OUT/results.tsv
DOMAIN=bench.example
ACCOUNT=load@$DOMAIN
KEY=$OUT/api-key
rm -rf "$OUT"
mkdir -p "$OUT/logs"
printf 'round\tserver\tworkload\tmetric\tvalue\n' > "$RESULTS"
# Loopback ports away from compare.sh's 12xxx/22xxx and smoke.sh's random 30000-49999.
RELAY_PORT=24525 SUBMISSION_PORT=24587 SUBMISSIONS_PORT=24465
export HIKYAKU_API_PORT=24443 HIKYAKU_HTTP_PORT=24025
export HIKYAKU_DELIVERY_YAML="delivery: {enabled: false}"

server_ticks() { tree_ticks "$HIKYAKU_PID"; }

# A fresh server: empty data directory, the account, a new API key in $KEY.
hikyaku_fresh() {
  hikyaku_stop
  rm -rf "$HK" "$KEY"
  hikyaku_write_config "$HK" "$DOMAIN" "$RELAY_PORT" "$SUBMISSION_PORT" "$SUBMISSIONS_PORT"
  # The account's password is never used: both doors log in with the API key.
  hikyaku_add_account "$HK" "$ACCOUNT" "unused-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  hikyaku_add_api_key "$HK" "$ACCOUNT" bench "$KEY"
  hikyaku_start "$HK"
}
trap hikyaku_stop EXIT

common=(-c "$CONNECTIONS" -s "$SIZE" --to friend@example.net --timeout 60)
measured=(-m "$MESSAGES" --warmup 200)
api_options=(--api "https://127.0.0.1:$HIKYAKU_API_PORT" --key-file "$KEY" --from "$ACCOUNT")
submission_options=(--port "$SUBMISSION_PORT" --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" --password-file "$KEY")
run_api() {
  echo "  api"
  load hikyaku api "${api_options[@]}" "${measured[@]}" "${common[@]}"
}
run_submission() {
  local per=$1
  echo "  submission-$per"
  load hikyaku "submission-$per" "${submission_options[@]}" -k "$per" "${measured[@]}" "${common[@]}"
}
# W messages of each workload, not counted: the JIT compiles the paths all three share and each
# one's own before any is measured.
warm_up() {
  local workload options
  for workload in api submission-1 submission-10; do
    case $workload in
      api) options=("${api_options[@]}") ;;
      submission-*) options=("${submission_options[@]}" -k "${workload#submission-}") ;;
    esac
    "${LOAD[@]}" --label "hikyaku warm-up $workload" "${options[@]}" -m "$WARMUP" "${common[@]}" \
      > "$OUT/logs/r$ROUND-warmup-$workload.out" 2>&1 || true
    echo "  warm-up $workload: $(grep '^accepted' "$OUT/logs/r$ROUND-warmup-$workload.out" || echo 'no report')"
  done
}

{
  echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
  echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"
  echo "workloads: $CONNECTIONS clients, $MESSAGES messages of $SIZE each, after $WARMUP of each as warm-up, $ROUNDS rounds"
} | tee "$OUT/machine.txt"

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  log "round $ROUND (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  record hikyaku round load_average_1m "$(cut -d' ' -f1 /proc/loadavg)"
  hikyaku_fresh
  if (( WARMUP > 0 )); then warm_up; fi
  if (( ROUND % 2 == 1 )); then
    run_api; run_submission 1; run_submission 10
  else
    run_submission 10; run_submission 1; run_api
  fi
  hikyaku_stop
done

if $PROFILE; then
  # One more api pass under Java Flight Recorder, not counted: where does the API path spend time?
  # The recording starts after the warm-ups (jcmd), so start-up and the JIT's work stay out of it.
  ROUND=profile
  log "profiling the api workload with JFR"
  hikyaku_fresh
  if (( WARMUP > 0 )); then warm_up; fi
  "$JAVA_HOME/bin/jcmd" "$HIKYAKU_PID" JFR.start name=api settings=profile filename="$OUT/api.jfr" > /dev/null
  run_api
  "$JAVA_HOME/bin/jcmd" "$HIKYAKU_PID" JFR.stop name=api > /dev/null
  hikyaku_stop
  bash bench/jfr-top.sh "$OUT/api.jfr" | tee "$OUT/profile.txt"
fi

python3 - "$RESULTS" <<'PY' | tee "$OUT/summary.txt"
import csv, statistics, sys
from collections import defaultdict

values = defaultdict(dict)  # (workload, metric) -> {round: value}
for row in csv.DictReader(open(sys.argv[1]), delimiter="\t"):
    if row["round"] != "profile":
        values[(row["workload"], row["metric"])][row["round"]] = float(row["value"])

def cell(workload, metric, digits=1):
    if workload == "api" and metric.startswith("setup"):
        return "—"  # the API clients' connections open in the tool's warm-up, before the clock
    v = list(values[(workload, metric)].values())
    if not v:
        return "n/a"
    spread = f" ({min(v):,.{digits}f}–{max(v):,.{digits}f})" if len(v) > 1 else ""
    return f"{statistics.median(v):,.{digits}f}{spread}"

workloads = ["api", "submission-1", "submission-10"]
rows = [("msgs/s", "msgs_per_s", 1), ("request/transaction p50 ms", "tx_p50_ms", 1), ("request/transaction p99 ms", "tx_p99_ms", 1),
        ("set-up p50 ms", "setup_p50_ms", 1), ("server CPU ms/msg", "server_cpu_ms_per_msg", 2),
        ("tool CPU s", "client_cpu_s", 2), ("other processes' CPU s", "others_cpu_s", 2), ("failed", "failed", 0)]
print(f"load average (1 min) at the rounds' start: {cell('round', 'load_average_1m', 2)}")
print("| | " + " | ".join(workloads) + " |")
print("|---|" + "---|" * len(workloads))
for label, metric, digits in rows:
    print(f"| {label} | " + " | ".join(cell(w, metric, digits) for w in workloads) + " |")
# Ratios within each round (same server, same minutes), then their median.
for metric, label in [("msgs_per_s", "msgs/s"), ("server_cpu_ms_per_msg", "server CPU per message")]:
    api = values[("api", metric)]
    for smtp in workloads[1:]:
        other = values[(smtp, metric)]
        ratios = [api[r] / other[r] for r in sorted(api) if other.get(r)]
        if ratios:
            each = ", ".join(f"{x:.2f}" for x in ratios)
            print(f"API / {smtp} {label}: median {statistics.median(ratios):.2f} (rounds: {each})")
PY
log "results: $RESULTS, summary: $OUT/summary.txt, logs: $OUT/logs"
