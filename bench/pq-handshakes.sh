#!/usr/bin/env bash
# The cost of the hybrid post-quantum key exchange (issue 17 point 6): one Hikyaku with
# tls.engine: boringssl and tls.key-exchange: hybrid on loopback, and Node.js 24 (OpenSSL 3.5, a
# client nobody here wrote; .ci/run fetches it into .ci/cache/node-24) making full TLS 1.3
# handshakes over implicit TLS (port "submissions") one after the other, offering only
# X25519MLKEM768 or only X25519, in interleaved rounds. Per handshake: the client's mean time and
# the server's CPU (its process's user + system time over the round). Prints a Markdown table
# with the hybrid/classic ratios.
#   bench/pq-handshakes.sh                 # 5 rounds x 300 handshakes per group
#   bench/pq-handshakes.sh 3 100           # shorter
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HIKYAKU_ROOT=$PWD
rounds=${1:-5}
handshakes=${2:-300}
# shellcheck source=bin/lib/find-java.sh
. bin/lib/find-java.sh
JAVA_HOME=$(hikyaku_find_java_home)
export JAVA_HOME HIKYAKU_ROOT
# shellcheck source=bench/lib/hikyaku-instance.sh
. bench/lib/hikyaku-instance.sh
node=${HIKYAKU_NODE24:-$PWD/.ci/cache/node-24/bin/node}
[[ -x $node ]] || { echo "bench/pq-handshakes.sh: no Node.js 24 at $node: run .ci/run, or set HIKYAKU_NODE24" >&2; exit 1; }
[[ -f target/hikyaku.jar ]] || ./mvnw -q -B -DskipTests package

dir=$PWD/bench/target/pq-handshakes
rm -rf "$dir"
mkdir -p "$dir"
base=$((30000 + RANDOM % 20000))
export HIKYAKU_HTTP_PORT=$((base + 4)) HIKYAKU_TLS_ENGINE=boringssl HIKYAKU_TLS_KEY_EXCHANGE=hybrid
hikyaku_write_config "$dir" pq.example "$base" "$((base + 1))" "$((base + 2))"
trap hikyaku_stop EXIT
hikyaku_start "$dir"
ca=$dir/data/tls/selfsigned-cert.pem
client=src/test/resources/interop/tls-groups-client.js
ticks=$(getconf CLK_TCK)

# CPU seconds (user + system) the server has used so far.
server_cpu() {
  awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$HIKYAKU_PID/stat"
}

"$node" "$client" 127.0.0.1 "$((base + 2))" X25519MLKEM768 "$ca" bench.hikyaku.test > "$dir/first.json"
echo "first handshake: $(cat "$dir/first.json")"
# Warm-up: the JIT and BoringSSL's first use of each group.
for group in X25519MLKEM768 X25519; do
  "$node" "$client" 127.0.0.1 "$((base + 2))" "$group" "$ca" bench.hikyaku.test 200 > /dev/null
done

declare -A client_ms server_ms
for group in X25519MLKEM768 X25519; do client_ms[$group]=""; server_ms[$group]=""; done
for ((r = 1; r <= rounds; r++)); do
  for group in X25519MLKEM768 X25519; do
    before=$(server_cpu)
    out=$("$node" "$client" 127.0.0.1 "$((base + 2))" "$group" "$ca" bench.hikyaku.test "$handshakes")
    after=$(server_cpu)
    mean=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["meanMillis"])' "$out")
    cpu=$(python3 -c 'import sys; print((float(sys.argv[2]) - float(sys.argv[1])) * 1000 / int(sys.argv[3]))' "$before" "$after" "$handshakes")
    client_ms[$group]+="$mean "
    server_ms[$group]+="$cpu "
    echo "round $r $group: client $mean ms per handshake, server CPU $cpu ms per handshake"
  done
done

python3 - "${client_ms[X25519MLKEM768]}" "${client_ms[X25519]}" "${server_ms[X25519MLKEM768]}" "${server_ms[X25519]}" \
  "$rounds" "$handshakes" <<'PY'
import statistics, sys
hc, cc, hs, cs = (list(map(float, a.split())) for a in sys.argv[1:5])
rounds, handshakes = sys.argv[5], sys.argv[6]
m = statistics.median
print()
print(f"| per full TLS 1.3 handshake (median of {rounds} rounds x {handshakes}) | X25519MLKEM768 | X25519 | hybrid / classic |")
print("|---|---|---|---|")
print(f"| client time (Node 24, OpenSSL 3.5), ms | {m(hc):.3f} | {m(cc):.3f} | {m(hc) / m(cc):.2f}x |")
print(f"| server CPU (Hikyaku, BoringSSL), ms | {m(hs):.3f} | {m(cs):.3f} | {m(hs) / m(cs):.2f}x |")
PY
