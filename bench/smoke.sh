#!/usr/bin/env bash
# Benchmark smoke run for CI (a few seconds): builds the load tool (its unit tests, including the
# RFC 7677 §3 SCRAM vector, run on the way), starts a private Hikyaku on loopback ports and sends
# 2 connections × 5 messages over the relay port (plain) and over submission (STARTTLS + SCRAM-SHA-256)
# and submissions (implicit TLS + AUTH PLAIN), and 2 clients × 5 messages over the HTTP API (POST
# /v1/messages with an API key made by the CLI), failing unless all 10 are accepted (250, 202) each time.
# Measures nothing; it only keeps the tool from breaking. Needs target/hikyaku.jar (bin/test builds it).
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

[[ -f target/hikyaku.jar ]] || ./mvnw -q -B -DskipTests package
./mvnw -q -B -f bench/load/pom.xml package
LOAD=("$JAVA_HOME/bin/java" -jar bench/load/target/hikyaku-load.jar)

dir=$PWD/bench/target/smoke
rm -rf "$dir"
mkdir -p "$dir"
# Ports from the dynamic range, away from the compare script's 12xxx/22xxx.
base=$((30000 + RANDOM % 20000))
export HIKYAKU_API_PORT=$((base + 3)) HIKYAKU_HTTP_PORT=$((base + 4))
hikyaku_write_config "$dir" smoke.example "$base" "$((base + 1))" "$((base + 2))"
password="smoke-$RANDOM-$RANDOM-$RANDOM-passphrase"
printf '%s\n' "$password" > "$dir/password"
hikyaku_add_account "$dir" load@smoke.example "$password"
hikyaku_add_api_key "$dir" load@smoke.example smoke "$dir/api-key"
trap hikyaku_stop EXIT
hikyaku_start "$dir"

status=0
check() {
  local name=$1; shift
  "${LOAD[@]}" --label "smoke $name" -c 2 -m 10 --timeout 20 "$@" > "$dir/$name.out" || true
  cat "$dir/$name.out"
  local accepted
  accepted=$(json_field "$dir/$name.out" accepted)
  if [[ $accepted != 10 ]]; then
    echo "bench/smoke.sh: $name: accepted ${accepted:-nothing}, expected 10" >&2
    status=1
  fi
}
check relay -k 5 --port "$base" --to user@smoke.example
check submission-scram -k 5 --port "$((base + 1))" --tls starttls --auth scram \
  --user load@smoke.example --password-file "$dir/password" --to someone@example.net --pipelining
check submissions-plain -k 5 --port "$((base + 2))" --tls implicit --auth plain \
  --user load@smoke.example --password-file "$dir/password" --to someone@example.net
check api --api "https://127.0.0.1:$HIKYAKU_API_PORT" --key-file "$dir/api-key" \
  --from load@smoke.example --to someone@example.net
if [[ $status -eq 0 ]]; then
  echo "bench/smoke.sh: 4 passed, 0 failed"
fi
exit $status
