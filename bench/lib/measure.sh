# shellcheck shell=bash
# Measuring a load-tool run: the server's CPU time per message, the CPU time the rest of the
# machine took meanwhile, and the tool's figures, as rows of a results.tsv (round, server, workload,
# metric, value). Sourced by bench/compare.sh and bench/api.sh, which set:
#
#   LOAD          the load tool's command line (an array)
#   OUT           the run's directory (each run's output goes to $OUT/logs/r$ROUND-SERVER-WORKLOAD.out)
#   RESULTS       the results.tsv rows are appended to
#   ROUND         the round being run
#   server_ticks  a function: CPU ticks (1/100 s) so far of the server named by $1
#
#   load SERVER WORKLOAD [load tool options]   runs the tool, prints its report, records its figures
#   record SERVER WORKLOAD METRIC VALUE        one row
#   tree_ticks PID                             CPU ticks of a process and its children
#   machine_ticks                              CPU ticks of the whole machine

# CPU ticks (1/100 s) of process $1 and the children it has reaped, plus its live children's.
tree_ticks() {
  local pid=$1 sum child
  sum=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)
  for child in $(pgrep -P "$pid"); do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  echo "${sum:-0}"
}

machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

record() { printf '%s\t%s\t%s\t%s\t%s\n' "$ROUND" "$1" "$2" "$3" "$4" >> "$RESULTS"; }

# Runs the load tool; $1 server, $2 workload, the rest its options. Records msgs/s and latencies.
load() {
  local server=$1 workload=$2; shift 2
  local file="$OUT/logs/r$ROUND-$server-$workload.out"
  local server0 machine0 server1 machine1
  server0=$(server_ticks "$server"); machine0=$(machine_ticks)
  "${LOAD[@]}" --label "$server $workload" "$@" > "$file" 2>&1 || true
  server1=$(server_ticks "$server"); machine1=$(machine_ticks)
  grep -v '^{' "$file" | sed 's/^/    /'
  local json
  json=$(tail -n 1 "$file")
  [[ $json == '{'* ]] || { echo "    (no report from the load tool)"; return 0; }
  python3 - "$ROUND" "$server" "$workload" "$json" $((server1 - server0)) $((machine1 - machine0)) >> "$RESULTS" <<'PY'
import json, sys
round_, server, workload, line, server_ticks, machine_ticks = sys.argv[1:7]
r = json.loads(line)
server_s, machine_s = int(server_ticks) / 100, int(machine_ticks) / 100
others_s = max(0.0, machine_s - server_s - r["clientCpuSeconds"])
# The CPU counters ran through the warm-up too: divide by every message the server accepted.
messages = max(1, r["accepted"] + r.get("warmupAccepted", 0))
print(f"    server CPU {server_s:.2f} s ({1000 * server_s / messages:.2f} ms/msg over {messages} incl. warm-up), "
      f"other processes {others_s:.2f} s", file=sys.stderr)
def out(metric, value):
    print(f"{round_}\t{server}\t{workload}\t{metric}\t{value}")
out("server_cpu_ms_per_msg", round(1000 * server_s / messages, 3))
out("others_cpu_s", round(others_s, 2))
out("accepted", r["accepted"])
out("failed", r["failed"])
if r["mode"] == "send":
    out("msgs_per_s", r["msgsPerSecond"])
    out("tx_p50_ms", r["transactionMs"]["p50"])
    out("tx_p99_ms", r["transactionMs"]["p99"])
out("setup_p50_ms", r["setupMs"]["p50"])
out("setup_p99_ms", r["setupMs"]["p99"])
out("established", r["established"])
out("client_cpu_s", r["clientCpuSeconds"])
PY
} 2>&1
