# shellcheck shell=bash
# A private Hikyaku instance for benchmarks and the CI smoke run: its own config, data directory,
# loopback ports and one account, under a directory the caller names. Sourced by bench/smoke.sh
# and bench/compare.sh; needs JAVA_HOME (a JDK 21+) and the repository root in HIKYAKU_ROOT.
#
#   hikyaku_write_config DIR DOMAIN RELAY_PORT SUBMISSION_PORT SUBMISSIONS_PORT [CERT KEY]
#                                               (HIKYAKU_DELIVERY_YAML, if set, is the delivery
#                                                section, e.g. "delivery: {enabled: false}";
#                                                HIKYAKU_API_PORT, if set, enables the HTTP API on
#                                                that loopback port; HIKYAKU_HTTP_PORT, if set, moves
#                                                the metrics endpoint off its default 9025;
#                                                HIKYAKU_TLS_ENGINE, if set, is tls.engine;
#                                                HIKYAKU_STORE_YAML, if set, the store section)
#   hikyaku_add_account DIR ADDRESS PASSWORD    (domain and user via the CLI)
#   hikyaku_add_api_key DIR ADDRESS NAME FILE   (an API key with scope send, written to FILE, mode 600)
#   hikyaku_start DIR                           (sets HIKYAKU_PID; waits for the relay port, and
#                                                the API's with HIKYAKU_API_PORT)
#   hikyaku_stop                                 (SIGTERM, waits; kills after 60 s)

hikyaku_write_config() {
  local dir=$1 domain=$2 relay=$3 submission=$4 submissions=$5 cert=${6:-} key=${7:-}
  mkdir -p "$dir"
  {
    echo "# Written by bench/lib/hikyaku-instance.sh: loopback only, no greeting delay (the"
    echo "# pregreet test would add 1 s to every relay session), connection limits above the"
    echo "# 10,000 idle connections of the capacity test."
    echo "hostname: bench.hikyaku.test"
    echo "data-directory: $dir/data"
    echo "hosted-domains: [$domain]"
    echo "listeners:"
    echo "  - {role: relay, address: 127.0.0.1, port: $relay, greeting-delay: 0s}"
    echo "  - {role: submission, address: 127.0.0.1, port: $submission}"
    echo "  - {role: submissions, address: 127.0.0.1, port: $submissions}"
    # HIKYAKU_TLS_ENGINE, if set, is tls.engine (jdk or boringssl); HIKYAKU_TLS_KEY_EXCHANGE is
    # tls.key-exchange (classic or hybrid).
    local engine=${HIKYAKU_TLS_ENGINE:+, engine: $HIKYAKU_TLS_ENGINE}${HIKYAKU_TLS_KEY_EXCHANGE:+, key-exchange: $HIKYAKU_TLS_KEY_EXCHANGE}
    if [[ -n $cert ]]; then
      echo "tls: {certificate: $cert, private-key: $key, reload-check-interval: 0s$engine}"
    elif [[ -n $engine ]]; then
      echo "tls: {${engine#, }}"
    fi
    echo "limits: {max-connections: 20000, max-connections-per-client: 20000}"
    echo "# The load tool sends to any local part of the hosted domain (as Postfix's relay-in takes"
    echo "# user@domain): a catch-all, so recipient validation asks no next hop during a benchmark."
    echo "recipients: {domains: {$domain: {catch-all: true}}}"
    echo "# Every load connection comes from 127.0.0.1: no per-client or per-account rates (Postfix's"
    echo "# anvil limits are off likewise in compare.sh), no AUTH rate per address, no suspension."
    echo "abuse: {auth-per-minute: 10000000}"
    echo "# The Postfix it is compared with checks no SPF/DKIM/DMARC; neither does this instance."
    echo "mail-auth: {verify: false}"
    echo "rates: {connections-per-minute: 10000000, messages-per-minute: 10000000, recipients-per-minute: 10000000,"
    echo "        account-messages-per-minute: 10000000, account-recipients-per-minute: 10000000,"
    echo "        account-messages-per-hour: 10000000, account-messages-per-day: 10000000, suspend-volume-minimum: 10000000}"
    # The HTTP API only where a benchmark asks for it (HIKYAKU_API_PORT), on loopback.
    if [[ -n ${HIKYAKU_API_PORT:-} ]]; then
      echo "api: {enabled: true, address: 127.0.0.1, port: $HIKYAKU_API_PORT}"
    else
      echo "api: {enabled: false}"
    fi
    # Instances run side by side (CI's smoke, a benchmark) must not both want the default 9025.
    if [[ -n ${HIKYAKU_HTTP_PORT:-} ]]; then
      echo "http: {port: $HIKYAKU_HTTP_PORT}"
    fi
    if [[ -n ${HIKYAKU_DELIVERY_YAML:-} ]]; then
      printf '%s\n' "$HIKYAKU_DELIVERY_YAML"
    fi
    # The store section (bench/cluster.sh: a PostgreSQL url and node-id); unset, the SQLite file.
    if [[ -n ${HIKYAKU_STORE_YAML:-} ]]; then
      printf '%s\n' "$HIKYAKU_STORE_YAML"
    fi
  } > "$dir/hikyaku.yaml"
}

hikyaku_cli() {
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$HIKYAKU_ROOT/target/hikyaku.jar" "$@"
}

hikyaku_add_account() {
  local dir=$1 address=$2 password=$3
  hikyaku_cli domain add "${address#*@}" --config "$dir/hikyaku.yaml" >> "$dir/cli.log" 2>&1 \
    || { cat "$dir/cli.log" >&2; return 1; }
  printf '%s\n' "$password" | hikyaku_cli user add "$address" --password-stdin --config "$dir/hikyaku.yaml" \
    >> "$dir/cli.log" 2>&1 || { cat "$dir/cli.log" >&2; return 1; }
}

# A new API key (scope send) for ADDRESS, named NAME, written to FILE with mode 600: the CLI prints
# it once, on a line of its own (hk_...); it goes from the CLI's output to the file and nowhere else.
hikyaku_add_api_key() {
  local dir=$1 address=$2 name=$3 file=$4
  (
    umask 077
    hikyaku_cli api-key add "$address" "$name" --scope send --config "$dir/hikyaku.yaml" 2>> "$dir/cli.log" \
      | grep '^hk_' > "$file"
  ) || { echo "hikyaku api-key add failed; its log:" >&2; tail -n 20 "$dir/cli.log" >&2; return 1; }
  chmod 600 "$file"
}

# Starts the server in the background with its log in DIR/server.log. Extra JVM options come from
# HIKYAKU_JAVA_OPTS (split on blanks, as bin/hikyaku reads it; for the server only, not the CLI
# calls or the load tool: e.g. -Xlog:gc:file=gc-%p.log) or JDK_JAVA_OPTIONS, which the java
# launcher reads (JFR).
hikyaku_start() {
  local dir=$1 port java_opts=()
  port=$(sed -n 's/.*role: relay, address: 127.0.0.1, port: \([0-9]*\).*/\1/p' "$dir/hikyaku.yaml")
  read -r -a java_opts <<< "${HIKYAKU_JAVA_OPTS:-}"
  "$JAVA_HOME/bin/java" "${java_opts[@]}" --enable-native-access=ALL-UNNAMED -jar "$HIKYAKU_ROOT/target/hikyaku.jar" \
    serve --config "$dir/hikyaku.yaml" > "$dir/server.log" 2>&1 &
  HIKYAKU_PID=$!
  hikyaku_wait_port "$dir" "$port"
  # The relay port's being open says nothing of the API's: wait for that too.
  if [[ -n ${HIKYAKU_API_PORT:-} ]]; then
    hikyaku_wait_port "$dir" "$HIKYAKU_API_PORT"
  fi
}

# Waits until 127.0.0.1:$2 takes connections, for at most 60 s, while the server is alive.
hikyaku_wait_port() {
  local dir=$1 port=$2 waited=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$HIKYAKU_PID" 2>/dev/null; then
      echo "hikyaku did not start; its log:" >&2
      tail -n 40 "$dir/server.log" >&2
      return 1
    fi
    sleep 0.2
    waited=$((waited + 1))
    if (( waited > 300 )); then
      echo "hikyaku did not open port $port within 60 s" >&2
      return 1
    fi
  done
}

hikyaku_stop() {
  [[ -n ${HIKYAKU_PID:-} ]] || return 0
  if kill -0 "$HIKYAKU_PID" 2>/dev/null; then
    kill -TERM "$HIKYAKU_PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$HIKYAKU_PID" 2>/dev/null && (( waited < 600 )); do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL "$HIKYAKU_PID" 2>/dev/null || true
  fi
  wait "$HIKYAKU_PID" 2>/dev/null || true
  HIKYAKU_PID=""
}

# The value of a top-level numeric or string field of the JSON line in file $1 (the load tool's last
# line): enough for the flat fields the scripts read, without jq.
json_field() {
  local file=$1 field=$2
  tail -n 1 "$file" | sed -n "s/.*\"$field\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
