#!/usr/bin/env bash
# Hikyaku on one node with SQLite, on one node with PostgreSQL and on three nodes sharing one
# PostgreSQL database (issue 16), same machine, same load tool, same workloads. Run as root on
# Debian; works on a fresh machine:
#
#   bench/cluster.sh [--rounds N] [--skip-install] [--quick]
#
# 1. apt-get update; installs postgresql (Debian's; its own cluster is stopped and disabled) and
#    postfix's smtp-sink with debconf preseeded to "No configuration", unless --skip-install.
# 2. Builds target/hikyaku.jar and the load tool (bench/load).
# 3. Runs a private PostgreSQL (initdb --locale=C, fsync and synchronous_commit on, loopback port
#    15432, as user postgres, data in a temporary directory) and, ROUNDS times, in an order that
#    rotates each round, three setups from empty:
#      sqlite-1  one node, its SQLite file (the default)
#      pg-1      one node on the PostgreSQL database
#      pg-3      three nodes on the PostgreSQL database (node-id n1..n3, loopback ports 23525,
#                23625, 23725), the load split evenly over them
# 4. Prints the median of each workload with the spread (min-max over rounds) and each setup's
#    figure as a ratio to sqlite-1 measured in the same round.
#
# Workloads (4 KiB messages):
#   relay-in     load tool, plain SMTP, 21 connections (7 per node on pg-3), 1 message per
#                connection, delivery off: the rate at which the setup makes accepted mail durable
#   end-to-end   relay-in with delivery on, to an smtp-sink, until the queue is empty: the rate at
#                which the setup takes mail in and delivers it (on pg-3 every node delivers, under
#                leases; what a node accepted it delivers itself)
#
# Each row also records the CPU time the servers (and PostgreSQL, where it runs) took per message.
# On a small machine the nodes, the database and the load tool share the same cores, so pg-3
# measures the cost of coordination, not the gain of more machines: see bench/README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

ROUNDS=3
SKIP_INSTALL=false
RELAY_MESSAGES=6000
E2E_MESSAGES=3000
CONNECTIONS_PER_NODE=7
NODES=3
DOMAIN=bench.example
PG_PORT=15432
SINK_PORT=12699

usage() {
  sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --skip-install) SKIP_INSTALL=true; shift ;;
    --quick) RELAY_MESSAGES=1500 E2E_MESSAGES=900; shift ;;
    -h|--help) usage ;;
    *) echo "cluster.sh: unknown option $1" >&2; usage ;;
  esac
done

[[ $(id -u) -eq 0 ]] || { echo "cluster.sh: run as root (it installs packages and runs PostgreSQL as user postgres)" >&2; exit 1; }

OUT=$ROOT/bench/target/cluster
RESULTS=$OUT/results.tsv

# JAVA_HOME, log, bench_build, the instance and the measuring helpers.
# shellcheck source=bench/lib/setup.sh
. bench/lib/setup.sh

# ---- 1. packages -------------------------------------------------------------------------------

if [[ $SKIP_INSTALL == false ]]; then
  log "installing postgresql and postfix (for smtp-sink)"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq postgresql postfix procps python3 > /dev/null
fi
# Debian starts a cluster of its own on 5432: ours is private, so stop that one.
if command -v systemctl > /dev/null && systemctl is-active --quiet postgresql 2>/dev/null; then
  systemctl stop postgresql || true
fi
command -v pg_ctlcluster > /dev/null && pg_ctlcluster --help > /dev/null 2>&1 && \
  for cluster in $(pg_lsclusters -h 2>/dev/null | awk '$4 == "online" { print $1 "/" $2 }'); do
    pg_ctlcluster "${cluster%/*}" "${cluster#*/}" stop || true
  done
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x $PG_BIN/initdb ]] || { echo "cluster.sh: no PostgreSQL under /usr/lib/postgresql (run without --skip-install)" >&2; exit 1; }
command -v smtp-sink > /dev/null || { echo "cluster.sh: smtp-sink missing (run without --skip-install)" >&2; exit 1; }

# ---- 2. builds ---------------------------------------------------------------------------------

bench_build

# ---- 3. PostgreSQL and the setups --------------------------------------------------------------

rm -rf "$OUT"
mkdir -p "$OUT/logs"
printf 'round\tserver\tworkload\tmetric\tvalue\n' > "$RESULTS"
# PostgreSQL refuses to run as root, and user postgres must reach its directory: not under $ROOT.
PG_DATA=$(mktemp -d /tmp/hikyaku-cluster-pg.XXXXXX)
chown postgres: "$PG_DATA"
PG_PID=""
NODE_PIDS=()
SINK_PID=""

cleanup() {
  for pid in "${NODE_PIDS[@]}"; do HIKYAKU_PID=$pid hikyaku_stop; done
  if [[ -n $SINK_PID ]]; then kill "$SINK_PID" 2>/dev/null || true; fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA/db" -m fast -w stop > /dev/null 2>&1 || true
  cp "$PG_DATA/postgresql.log" "$OUT/logs/" 2>/dev/null || true
  rm -rf "$PG_DATA"
}
trap cleanup EXIT

log "starting a private PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$PG_PORT"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA/db" --locale=C -E UTF8 -A trust -U hikyaku > "$OUT/logs/initdb.log" 2>&1
# fsync and synchronous_commit on (the server refuses to write otherwise); enough connections for
# three nodes (pool 8 + 2 each) and the CLI.
# Its log beside its data (user postgres cannot write under $ROOT); copied to $OUT/logs at the end.
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA/db" -l "$PG_DATA/postgresql.log" -w \
  -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=on -c synchronous_commit=on -c shared_buffers=256MB" \
  start > /dev/null
PG_PID=$(head -n 1 "$PG_DATA/db/postmaster.pid")

psql_admin() { runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U hikyaku -d postgres -qAt -c "$1"; }

# $1: setup name; writes the configs of its nodes under $OUT/$1/nK (HIKYAKU_DELIVERY_YAML their
# delivery section) and a fresh database; sets SETUP_NODES.
fresh_setup() {
  local setup=$1 nodes=1 n
  stop_nodes
  rm -rf "${OUT:?}/$setup"
  [[ $setup == pg-3 ]] && nodes=$NODES
  if [[ $setup == pg-* ]]; then
    psql_admin "DROP DATABASE IF EXISTS hikyaku" > /dev/null
    psql_admin "CREATE DATABASE hikyaku TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'" > /dev/null
  fi
  for ((n = 1; n <= nodes; n++)); do
    local dir=$OUT/$setup/n$n base=$((23525 + (n - 1) * 100))
    if [[ $setup == pg-* ]]; then
      HIKYAKU_STORE_YAML="store: {url: \"postgresql://127.0.0.1:$PG_PORT/hikyaku\", user: hikyaku, node-id: n$n}"
    else
      HIKYAKU_STORE_YAML=""
    fi
    export HIKYAKU_STORE_YAML
    HIKYAKU_HTTP_PORT=$((base + 1)) hikyaku_write_config "$dir" "$DOMAIN" "$base" $((base + 2)) $((base + 3))
  done
  if [[ $setup == pg-* ]]; then
    hikyaku_cli migrate --config "$OUT/$setup/n1/hikyaku.yaml" >> "$OUT/logs/migrate.log" 2>&1
  fi
  # One domain for the catch-all recipients; shared by the nodes through the database.
  hikyaku_cli domain add "$DOMAIN" --config "$OUT/$setup/n1/hikyaku.yaml" >> "$OUT/logs/cli.log" 2>&1
  SETUP_NODES=$nodes
}

start_nodes() {
  local setup=$1 nodes=$2 n
  NODE_PIDS=()
  for ((n = 1; n <= nodes; n++)); do
    hikyaku_start "$OUT/$setup/n$n"
    NODE_PIDS+=("$HIKYAKU_PID")
  done
}

stop_nodes() {
  for pid in "${NODE_PIDS[@]}"; do HIKYAKU_PID=$pid hikyaku_stop; done
  NODE_PIDS=()
}

# CPU ticks of the servers of the setup being measured, and of PostgreSQL where it runs.
server_ticks() {
  local sum=0 pid
  for pid in "${NODE_PIDS[@]}"; do sum=$((sum + $(tree_ticks "$pid"))); done
  if [[ $1 == pg-* ]]; then sum=$((sum + $(tree_ticks "$PG_PID"))); fi
  echo "$sum"
}

queue_depth() {
  curl -s --max-time 2 "http://127.0.0.1:23526/metrics" | awk '/^hikyaku_queue_depth / { print int($2) }'
}

# The load tool against every node of the setup at once, MESSAGES split evenly; the setup's rate is
# the sum of the nodes' rates (the tools run side by side over the same seconds).
# $1 setup, $2 nodes, $3 workload, $4 messages.
load_all() {
  local setup=$1 nodes=$2 workload=$3 messages=$4 n
  local each=$((messages / nodes)) server0 machine0 server1 machine1 files=()
  server0=$(server_ticks "$setup"); machine0=$(machine_ticks)
  local pids=()
  for ((n = 1; n <= nodes; n++)); do
    local file="$OUT/logs/r$ROUND-$setup-$workload-n$n.out"
    files+=("$file")
    "${LOAD[@]}" --label "$setup $workload n$n" --port $((23525 + (n - 1) * 100)) -c "$CONNECTIONS_PER_NODE" -k 1 \
      -m "$each" --warmup $((300 / nodes)) --to "user@$DOMAIN" --timeout 60 > "$file" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  server1=$(server_ticks "$setup"); machine1=$(machine_ticks)
  python3 - "$ROUND" "$setup" "$workload" $((server1 - server0)) $((machine1 - machine0)) "${files[@]}" >> "$RESULTS" <<'PY'
import json, sys
round_, setup, workload, server_ticks, machine_ticks, *files = sys.argv[1:]
reports = []
for name in files:
    lines = [l for l in open(name) if l.startswith("{")]
    if not lines:
        print(f"    {name}: no report from the load tool", file=sys.stderr)
        sys.exit(0)
    reports.append(json.loads(lines[-1]))
accepted = sum(r["accepted"] for r in reports)
failed = sum(r["failed"] for r in reports)
rate = round(sum(r["msgsPerSecond"] for r in reports), 1)
messages = max(1, accepted + sum(r.get("warmupAccepted", 0) for r in reports))
server_s = int(server_ticks) / 100
p99 = max(r["transactionMs"]["p99"] for r in reports)
print(f"    {setup} {workload}: {rate} msgs/s over {len(reports)} node(s), {accepted} accepted, {failed} failed, "
      f"p99 {p99} ms, server{' + PostgreSQL' if setup.startswith('pg') else ''} CPU {1000 * server_s / messages:.2f} ms/msg",
      file=sys.stderr)
for metric, value in (("msgs_per_s", rate), ("accepted", accepted), ("failed", failed), ("tx_p99_ms", p99),
                      ("server_cpu_ms_per_msg", round(1000 * server_s / messages, 3))):
    print(f"{round_}\t{setup}\t{workload}\t{metric}\t{value}")
PY
}

run_setup() {
  local setup=$1 nodes
  log "round $ROUND: $setup"
  export HIKYAKU_DELIVERY_YAML="delivery: {enabled: false}"
  fresh_setup "$setup"
  nodes=$SETUP_NODES
  start_nodes "$setup" "$nodes"
  load_all "$setup" "$nodes" relay-in "$RELAY_MESSAGES"
  stop_nodes

  # The quotes are YAML's, for hikyaku.yaml, not the shell's.
  # shellcheck disable=SC2089
  HIKYAKU_DELIVERY_YAML="delivery: {enabled: true, max-per-domain: 20, max-per-host: 20, routes: {$DOMAIN: {smtp: \"127.0.0.1:$SINK_PORT\"}}}"
  fresh_setup "$setup"
  nodes=$SETUP_NODES
  start_nodes "$setup" "$nodes"
  smtp-sink -u nobody -c "127.0.0.1:$SINK_PORT" 1000 > "$OUT/logs/r$ROUND-$setup-smtp-sink.out" 2>&1 &
  SINK_PID=$!
  sleep 0.5
  local start end waited=0
  start=$(date +%s.%N)
  load_all "$setup" "$nodes" end-to-end-intake "$E2E_MESSAGES"
  while (( $(queue_depth || echo 1) > 0 )) && (( waited < 6000 )); do sleep 0.1; waited=$((waited + 1)); done
  end=$(date +%s.%N)
  local rate
  rate=$(python3 -c "print(round($E2E_MESSAGES / ($end - $start), 1))")
  echo "    $setup end-to-end: $E2E_MESSAGES messages accepted and delivered to smtp-sink in $(python3 -c "print(round($end - $start, 2))") s: $rate msgs/s ($(queue_depth) left in the queue)"
  record "$setup" end-to-end msgs_per_s "$rate"
  kill "$SINK_PID" 2>/dev/null || true
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=""
  stop_nodes
}

SETUPS=(sqlite-1 pg-1 pg-3)
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  for ((i = 0; i < ${#SETUPS[@]}; i++)); do
    run_setup "${SETUPS[$(( (i + ROUND - 1) % ${#SETUPS[@]} ))]}"
  done
done

# ---- 4. report ---------------------------------------------------------------------------------

python3 - "$RESULTS" <<'PY' | tee "$OUT/summary.txt"
import collections, statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])][1:]
values = collections.defaultdict(list)
by_round = collections.defaultdict(dict)
for round_, setup, workload, metric, value in rows:
    values[(workload, metric, setup)].append(float(value))
    by_round[(workload, metric, round_)][setup] = float(value)
print(f"{'workload':<20} {'metric':<22} {'setup':<9} {'median':>10} {'min-max':>20} {'x sqlite-1 (median of rounds)':>30}")
for workload in ("relay-in", "end-to-end"):
    for metric in ("msgs_per_s", "server_cpu_ms_per_msg", "tx_p99_ms"):
        for setup in ("sqlite-1", "pg-1", "pg-3"):
            v = values.get((workload, metric, setup))
            if not v:
                continue
            ratios = [r[setup] / r["sqlite-1"] for (w, m, _), r in by_round.items()
                      if w == workload and m == metric and setup in r and r.get("sqlite-1")]
            ratio = f"{statistics.median(ratios):.2f}" if ratios else "-"
            print(f"{workload:<20} {metric:<22} {setup:<9} {statistics.median(v):>10.2f} {min(v):>9.2f}-{max(v):<10.2f} {ratio:>30}")
PY
