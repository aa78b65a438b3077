#!/usr/bin/env bash
# Hikyaku against Postfix (+ Dovecot for SASL) on this machine, same client, same workloads
# (issue 4). Run as root on Debian; works on a fresh machine:
#
#   bench/compare.sh [--rounds N] [--skip-install] [--quick] [--profile] [--postfix-idle N]
#                    [--dovecot-scheme SHA512-CRYPT|ARGON2ID]
#
# 1. apt-get update; installs postfix, dovecot-core, opendkim, opendkim-tools (and procps, openssl,
#    python3, python3-dkim) with debconf preseeded to "No configuration", so no system MTA is
#    configured or started on port 25; any system postfix/dovecot/opendkim that is running anyway
#    is stopped and disabled.
# 2. Builds target/hikyaku.jar and the load tool (bench/load).
# 3. Runs, under bench/target/compare, a private Postfix (postfix -c DIR: own queue and data
#    directories, loopback ports 12525 relay, 12587 submission STARTTLS + SASL via a private
#    Dovecot, 12465 submissions; for the DKIM rows a private OpenDKIM as the submission services'
#    milter) and a private Hikyaku (22525, 22587, 22465), one after the other, ROUNDS times,
#    alternating which goes first. Every round starts from empty queues.
# 4. Prints the median of each workload with the spread (min-max over rounds) and Hikyaku/Postfix.
#
# Workloads (4 KiB messages unless said otherwise):
#   relay-in          load tool, plain, 20 connections, 1 message per connection, durable queue
#   relay-in-source   the same with Postfix's smtp-source as the client (-s 20 -l 4096)
#   submission-1      STARTTLS + AUTH PLAIN, 20 connections, 1 message per connection
#   submission-10     STARTTLS + AUTH PLAIN, 20 connections, 10 messages per connection
#   submission-1-dkim, submission-10-dkim
#                     the same, both servers DKIM-signing what they accept (RSA-2048, rsa-sha256,
#                     relaxed/relaxed, for bench.example): Postfix through OpenDKIM as a milter on
#                     its submission services, Hikyaku with an active key (hikyaku dkim keygen);
#                     one queued message per server is verified against its key; the run
#                     fails if a server did not sign
#   latency-half      relay-in paced at half the relay-in rate this server reached this round
#   end-to-end        relay-in until an smtp-sink has every message and the queue is empty
#                     (Postfix: relayhost; Hikyaku: a route for the hosted domain)
#   idle              10,000 implicit-TLS connections held open; resident memory of the server
#
# Fairness choices, all printed in the report: full TLS handshakes on every connection (no
# resumption), Postfix's intake measured with mail put on hold at end of data (so it queues
# durably, fsync included, but does not deliver; Hikyaku's with delivery off), both with a 60 s cache of
# successful password checks (Dovecot auth_cache, Hikyaku auth.cache-ttl), no reverse DNS.
# Dovecot's passwords are SHA512-CRYPT by default: its cache keeps the hash and verifies against it
# on every login, so its ARGON2ID (m=64 MiB, t=3 from doveadm) would cost Postfix+Dovecot ~100 ms
# per login where Hikyaku's cache (keyed by an HMAC of the secret) costs nothing.
# The DKIM rows: both servers start afresh (a key is signed with from the start), sign the same
# fields the same way (OpenDKIM's SignHeaders set to Hikyaku's list), and get the same unmeasured
# warm-up of SUBMISSION_WARMUP_MESSAGES submissions first (as the rows without DKIM do), so that
# the JVM is not measured cold.
#
# Besides throughput and latency, each workload records the server's CPU time per message (Hikyaku:
# the JVM; Postfix: master and all its children, plus Dovecot's and, in the DKIM rows, OpenDKIM's,
# which is also recorded on its own) and the CPU time other processes on the machine took
# meanwhile, which says how much a figure was disturbed. HIKYAKU_JAVA_OPTS, if set, goes to the
# Hikyaku server's JVM only (e.g. -Xlog:gc:file=/tmp/gc-%p.log, one log per server process).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

ROUNDS=3
SKIP_INSTALL=false
PROFILE=false
RELAY_MESSAGES=5000
SUBMISSION1_MESSAGES=1000
SUBMISSION10_MESSAGES=3000
# Submissions sent first and not measured, before the submission rows with and without DKIM (the
# DKIM rows start both servers afresh: a new key is signed with only by a server started with it),
# so that no submission row measures a JVM compiling its TLS and AUTH paths.
SUBMISSION_WARMUP_MESSAGES=1000
E2E_MESSAGES=5000
IDLE_CONNECTIONS=10000
# Postfix holds a connection with a process of its own (about 2 MiB PSS each, measured): 10,000
# would take a third of this shared machine's memory, so by default it holds 2,000 and the
# report projects its memory linearly to 10,000, saying so. --postfix-idle 10000 on a machine of
# your own measures the real thing.
POSTFIX_IDLE=2000
DOVECOT_SCHEME=SHA512-CRYPT
HOLD_SECONDS=15
CONNECTIONS=20

usage() {
  sed -n '2,51p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --skip-install) SKIP_INSTALL=true; shift ;;
    --profile) PROFILE=true; shift ;;
    --postfix-idle) POSTFIX_IDLE=$2; shift 2 ;;
    --dovecot-scheme) DOVECOT_SCHEME=$2; shift 2 ;;
    --quick)
      # A try-out in about a minute per round; the figures are not worth keeping.
      RELAY_MESSAGES=1000 SUBMISSION1_MESSAGES=200 SUBMISSION10_MESSAGES=500 E2E_MESSAGES=1000
      IDLE_CONNECTIONS=1000 POSTFIX_IDLE=1000 HOLD_SECONDS=5 SUBMISSION_WARMUP_MESSAGES=200
      shift ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown option $1" >&2; usage ;;
  esac
done

[[ $(id -u) -eq 0 ]] || { echo "compare.sh: run as root (it installs packages and runs Postfix)" >&2; exit 1; }

OUT=$ROOT/bench/target/compare
PF=$OUT/postfix          # config in $PF/etc, queue in $PF/spool, data in $PF/data
DV=$OUT/dovecot
OD=$OUT/opendkim         # config, key (keys/bench.private, record keys/bench.txt), socket in run/
HK=$OUT/hikyaku
RESULTS=$OUT/results.tsv
DOMAIN=bench.example
DKIM_SELECTOR=bench
ACCOUNT=load@$DOMAIN
SINK_PORT=12599

# JAVA_HOME, log, bench_build, the instance and the measuring helpers.
# shellcheck source=bench/lib/setup.sh
. bench/lib/setup.sh

# ---- 1. packages -------------------------------------------------------------------------------

stop_system_services() {
  # The packages must not leave a system MTA or IMAP server running; ours are private instances.
  for service in postfix dovecot opendkim; do
    if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
      systemctl disable --now "$service" >/dev/null 2>&1 || true
    elif command -v service >/dev/null; then
      service "$service" stop >/dev/null 2>&1 || true
    fi
  done
  if [[ -f /etc/postfix/main.cf ]] && postfix status >/dev/null 2>&1; then
    postfix stop >/dev/null 2>&1 || true
  fi
}

if ! $SKIP_INSTALL; then
  log "apt-get update; installing postfix, dovecot-core, opendkim (debconf: No configuration)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 \
    postfix dovecot-core opendkim opendkim-tools procps openssl python3 python3-dkim ca-certificates >/dev/null
fi
stop_system_services
for tool in postfix postsuper postcat smtp-source smtp-sink dovecot doveadm opendkim opendkim-genkey openssl python3; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool missing (run without --skip-install)" >&2; exit 1; }
done
# bench/lib/dkim-check.py verifies the signatures with Debian's dkimpy.
/usr/bin/python3 -c 'import dkim' 2>/dev/null || { echo "compare.sh: python3-dkim missing (run without --skip-install)" >&2; exit 1; }

# ---- 2. builds ---------------------------------------------------------------------------------

bench_build
# The idle test needs more than 10,000 descriptors in the server and in the client.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# ---- 3. instances ------------------------------------------------------------------------------

rm -rf "$OUT"
mkdir -p "$OUT/tls" "$OUT/logs"
printf 'round\tserver\tworkload\tmetric\tvalue\n' > "$RESULTS"
PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$PASSWORD" > "$OUT/password"
chmod 600 "$OUT/password"

# One self-signed certificate (EC P-256) for both servers.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=bench.hikyaku.test" -keyout "$OUT/tls/key.pem" -out "$OUT/tls/cert.pem" 2>/dev/null
chmod 644 "$OUT/tls/cert.pem"
chmod 600 "$OUT/tls/key.pem"

# $1: "intake" (delivery off: accepted mail stays in the queue, as Postfix's goes on hold),
#     "dkim" (intake, and an active RSA-2048 DKIM key for the hosted domain, so that submitted mail
#     is signed; its DNS record in $HK/dkim-record.txt) or "relay" (the hosted domain routed to the
#     smtp-sink: Hikyaku's relay port takes mail for hosted domains only, where Postfix relays for
#     mynetworks to its relayhost).
hikyaku_fresh() {
  local mode=${1:-intake}
  hikyaku_stop
  rm -rf "$HK"
  if [[ $mode == intake || $mode == dkim ]]; then
    HIKYAKU_DELIVERY_YAML="delivery: {enabled: false}"
  else
    # The quotes are YAML's, for hikyaku.yaml, not the shell's.
    # shellcheck disable=SC2089
    HIKYAKU_DELIVERY_YAML="delivery: {enabled: true, max-per-domain: 20, max-per-host: 20, routes: {$DOMAIN: {smtp: \"127.0.0.1:$SINK_PORT\"}}}"
  fi
  # shellcheck disable=SC2090
  export HIKYAKU_DELIVERY_YAML
  hikyaku_write_config "$HK" "$DOMAIN" 22525 22587 22465 "$OUT/tls/cert.pem" "$OUT/tls/key.pem"
  hikyaku_add_account "$HK" "$ACCOUNT" "$PASSWORD"
  if [[ $mode == dkim ]]; then
    # Active at once: the key cache of a running server would take up to a minute to see it.
    hikyaku_cli dkim keygen "$DOMAIN" --algorithm rsa --selector "$DKIM_SELECTOR" --activate --config "$HK/hikyaku.yaml" \
      2>> "$HK/cli.log" | grep '_domainkey' > "$HK/dkim-record.txt" \
      || { echo "hikyaku dkim keygen failed; its log:" >&2; tail -n 20 "$HK/cli.log" >&2; return 1; }
  fi
  hikyaku_start "$HK"
}

# Messages in Hikyaku's queue, from its metrics endpoint (http on 127.0.0.1:9025 by default).
hikyaku_queue_depth() {
  curl -s --max-time 2 http://127.0.0.1:9025/metrics | awk '/^hikyaku_queue_depth / { print int($2) }'
}

# Accept $E2E_MESSAGES on the relay port and wait until the smtp-sink has them all (queue empty).
# $1: server name for the results; $2: relay port; $3: a command printing the queue depth;
# $4: the recipient.
end_to_end() {
  local server=$1 port=$2 depth_command=$3 recipient=$4
  smtp-sink -u nobody -c "127.0.0.1:$SINK_PORT" 1000 > "$OUT/logs/r$ROUND-$server-smtp-sink.out" 2>&1 &
  SINK_PID=$!
  sleep 0.5
  local start end
  start=$(date +%s.%N)
  load "$server" end-to-end-intake --port "$port" -c "$CONNECTIONS" -k 1 -m "$E2E_MESSAGES" --to "$recipient" --timeout 60
  local waited=0
  while (( $($depth_command) > 0 )) && (( waited < 6000 )); do sleep 0.1; waited=$((waited + 1)); done
  end=$(date +%s.%N)
  local left rate
  left=$($depth_command)
  rate=$(python3 -c "print(round($E2E_MESSAGES / ($end - $start), 1))")
  echo "    end-to-end: $E2E_MESSAGES messages accepted and delivered to smtp-sink in $(python3 -c "print(round($end - $start, 2))") s: $rate msgs/s ($left left in the queue)"
  record "$server" end-to-end msgs_per_s "$rate"
  kill "$SINK_PID" 2>/dev/null || true
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=""
}

dovecot_write_config() {
  rm -rf "$DV"
  mkdir -p "$DV/run" "$DV/state"
  # Dovecot's auth cache, like Hikyaku's auth.cache-ttl, spares the password hash for clients
  # that log in for every message; both keep successes for 60 s.
  local hash
  hash=$(doveadm pw -s "$DOVECOT_SCHEME" -p "$PASSWORD")
  printf '%s:%s\n' "$ACCOUNT" "$hash" > "$DV/users"
  chown root:dovecot "$DV/users"
  chmod 640 "$DV/users"
  cat > "$DV/dovecot.conf" <<EOF
# Private Dovecot for Postfix SASL only (bench/compare.sh): no IMAP/POP, no network listener.
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
protocols =
ssl = no
default_internal_user = dovecot
default_login_user = dovenull
auth_mechanisms = plain login
auth_cache_size = 10M
auth_cache_ttl = 60 s
auth_cache_negative_ttl = 0
passdb {
  driver = passwd-file
  args = username_format=%u $DV/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  # Every smtpd process keeps a connection to the auth socket: allow one per process.
  client_limit = $((POSTFIX_IDLE + 1000))
  unix_listener $PF/spool/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
}

# $1: "intake" (mail put on hold at end of data: queued durably, never delivered), "dkim" (intake,
#     and the submission services hand every message to OpenDKIM, which signs it) or "relay"
#     (delivered to the smtp-sink through relayhost).
postfix_write_config() {
  local mode=$1
  mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
  chown postfix "$PF/data" # master.lock and the TLS session caches live here
  cat > "$PF/etc/main.cf" <<EOF
# Private Postfix instance for bench/compare.sh ($mode mode). Loopback only.
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
# Log to a file of our own (no syslog here); Postfix accepts only allowed prefixes for it.
maillog_file_prefixes = $PF
maillog_file = $PF/maillog
myhostname = bench-postfix.hikyaku.test
myorigin = \$myhostname
mydestination = $DOMAIN
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
biff = no
smtpd_banner = \$myhostname ESMTP
# Hikyaku does no reverse DNS either.
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
# No per-client limits: every connection of the benchmark comes from 127.0.0.1.
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
# Postfix runs one smtpd process per connection; the default limit of 100 would cap the idle test.
default_process_limit = $((POSTFIX_IDLE + 200))
smtpd_tls_cert_file = $OUT/tls/cert.pem
smtpd_tls_key_file = $OUT/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $PF/spool/private/auth
smtpd_sasl_auth_enable = no
EOF
  if [[ $mode == intake || $mode == dkim ]]; then
    cat >> "$PF/etc/main.cf" <<'EOF'
# Intake only: cleanup writes and fsyncs the queue file, then the message waits in the hold queue,
# as Hikyaku's wait in its store (no outbound delivery there until issue 6).
smtpd_end_of_data_restrictions = check_client_access static:HOLD
EOF
  else
    cat >> "$PF/etc/main.cf" <<EOF
relayhost = [127.0.0.1]:$SINK_PORT
EOF
  fi
  local submission="-o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
  if [[ $mode == dkim ]]; then
    # OpenDKIM on the submission services only, as operators run it; a milter that does not answer
    # makes Postfix refuse the message (tempfail, the default, said here), never pass it unsigned.
    submission+=" -o smtpd_milters=unix:$OD/run/opendkim.sock"
    echo "milter_default_action = tempfail" >> "$PF/etc/main.cf"
  fi
  cat > "$PF/etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:12525 inet n - n - - smtpd
127.0.0.1:12587 inet n - n - - smtpd -o smtpd_tls_security_level=encrypt $submission
127.0.0.1:12465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes $submission
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# A private OpenDKIM, signing only (Mode s), for the DKIM rows: its config, key and socket under
# $OD, started and stopped with Postfix in "dkim" mode. The key (RSA-2048, as opendkim-genkey
# makes it and most operators publish) is made once per run; relaxed/relaxed, From over-signed and
# the fields Hikyaku signs (RFC 6376 §5.4.1's list, those the message has: OpenDKIM 2.11's own
# default signed only From, To, Subject and Date of the test message), so both sign the same.
opendkim_write_config() {
  rm -rf "$OD"
  mkdir -p "$OD/keys" "$OD/run"
  opendkim-genkey -b 2048 -h sha256 -d "$DOMAIN" -s "$DKIM_SELECTOR" -D "$OD/keys"
  chown -R opendkim:opendkim "$OD/keys"
  chmod 700 "$OD/keys"
  chmod 600 "$OD/keys/$DKIM_SELECTOR.private"
  # The socket is made mode 777 (UMask 000) in a directory only opendkim and Postfix's group enter.
  chown opendkim:postfix "$OD/run"
  chmod 750 "$OD/run"
  cat > "$OD/opendkim.conf" <<EOF
# Private OpenDKIM for bench/compare.sh: signs submitted mail of $DOMAIN, verifies nothing.
Syslog                  no
Mode                    s
Domain                  $DOMAIN
Selector                $DKIM_SELECTOR
KeyFile                 $OD/keys/$DKIM_SELECTOR.private
SignatureAlgorithm      rsa-sha256
Canonicalization        relaxed/relaxed
OversignHeaders         From
SignHeaders             from,sender,reply-to,subject,date,message-id,to,cc,mime-version,content-type,content-transfer-encoding,content-id,content-description,in-reply-to,references,resent-date,resent-from,resent-sender,resent-to,resent-cc,resent-message-id,list-id,list-help,list-unsubscribe,list-unsubscribe-post,list-subscribe,list-post,list-owner,list-archive
UserID                  opendkim:opendkim
UMask                   000
Socket                  local:$OD/run/opendkim.sock
PidFile                 $OD/run/opendkim.pid
EOF
}

opendkim_start() {
  opendkim -f -x "$OD/opendkim.conf" > "$OUT/logs/opendkim.log" 2>&1 &
  OPENDKIM_PID=$!
  local waited=0
  until [[ -S $OD/run/opendkim.sock ]]; do
    kill -0 "$OPENDKIM_PID" 2>/dev/null || { echo "opendkim did not start:" >&2; cat "$OUT/logs/opendkim.log" >&2; return 1; }
    sleep 0.1; waited=$((waited + 1))
    (( waited < 100 )) || { echo "opendkim did not open its socket in 10 s" >&2; return 1; }
  done
}

opendkim_stop() {
  [[ -n ${OPENDKIM_PID:-} ]] || return 0
  kill "$OPENDKIM_PID" 2>/dev/null || true
  wait "$OPENDKIM_PID" 2>/dev/null || true
  OPENDKIM_PID=""
  rm -f "$OD/run/opendkim.sock"
}

postfix_running() { postfix -c "$PF/etc" status >/dev/null 2>&1; }

postfix_stop() {
  if [[ -f $PF/etc/main.cf ]] && postfix_running; then
    postfix -c "$PF/etc" stop >/dev/null 2>&1 || true
    local waited=0
    while postfix_running && (( waited < 100 )); do sleep 0.2; waited=$((waited + 1)); done
  fi
  if [[ -f $DV/run/master.pid ]]; then
    kill "$(cat "$DV/run/master.pid")" 2>/dev/null || true
    local waited=0
    while [[ -f $DV/run/master.pid ]] && kill -0 "$(cat "$DV/run/master.pid" 2>/dev/null)" 2>/dev/null && (( waited < 50 )); do
      sleep 0.2; waited=$((waited + 1))
    done
  fi
  opendkim_stop
}

# $1: intake | dkim | relay. Empty queue, fresh config, then Dovecot (and OpenDKIM) and Postfix.
postfix_fresh() {
  local mode=$1
  postfix_stop
  postfix_write_config "$mode"
  postfix -c "$PF/etc" check >"$OUT/logs/postfix-check.log" 2>&1 || { cat "$OUT/logs/postfix-check.log" >&2; return 1; }
  postsuper -c "$PF/etc" -d ALL >/dev/null 2>&1 || true
  dovecot_write_config
  dovecot -c "$DV/dovecot.conf"
  if [[ $mode == dkim ]]; then opendkim_start; fi
  postfix -c "$PF/etc" start >"$OUT/logs/postfix-start.log" 2>&1 || { cat "$OUT/logs/postfix-start.log" "$PF/maillog" >&2; return 1; }
  local waited=0
  until (exec 3<>/dev/tcp/127.0.0.1/12525) 2>/dev/null; do
    sleep 0.2; waited=$((waited + 1))
    (( waited < 150 )) || { echo "postfix did not open 12525" >&2; tail -20 "$PF/maillog" >&2; return 1; }
  done
}

cleanup() {
  set +e
  hikyaku_stop
  postfix_stop
  [[ -n ${SINK_PID:-} ]] && kill "$SINK_PID" 2>/dev/null
  [[ -n ${SINK_PID:-} ]] && wait "$SINK_PID" 2>/dev/null
}
trap cleanup EXIT

# ---- 4. workloads ------------------------------------------------------------------------------

# What Hikyaku's and Postfix's CPU time is: tree_ticks, machine_ticks, record and load come from
# bench/lib/measure.sh.
server_ticks() {
  if [[ $1 == hikyaku ]]; then
    tree_ticks "$HIKYAKU_PID"
  else
    local master dovecot
    master=$(head -n 1 "$PF/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
    dovecot=$(cat "$DV/run/master.pid" 2>/dev/null)
    echo $(( $(tree_ticks "${master:-0}") + $(tree_ticks "${dovecot:-0}") + $(opendkim_ticks) ))
  fi
}

# OpenDKIM's CPU ticks (all its threads), 0 when it does not run.
opendkim_ticks() {
  if [[ -n ${OPENDKIM_PID:-} ]]; then tree_ticks "$OPENDKIM_PID"; else echo 0; fi
}


# Sum of VmRSS (kB) of the given PIDs; and of Pss from smaps_rollup, which shares shared pages out.
rss_kb() { local sum=0 pid v; for pid in "$@"; do v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0); sum=$((sum + ${v:-0})); done; echo "$sum"; }
pss_kb() { local sum=0 pid v; for pid in "$@"; do v=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0); sum=$((sum + ${v:-0})); done; echo "$sum"; }
postfix_pids() {
  local master
  master=$(head -n 1 "$PF/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
  [[ -n $master ]] || return 0
  echo "$master"
  pgrep -P "$master" -x smtpd || true
}

# Idle capacity: $1 server, $2 connections, $3 port; memory sampled while the tool holds them.
idle() {
  local server=$1 connections=$2 port=$3
  local file="$OUT/logs/r$ROUND-$server-idle.out"
  local pids before_rss before_pss
  if [[ $server == hikyaku ]]; then pids=$HIKYAKU_PID; else pids=$(postfix_pids | tr '\n' ' '); fi
  # shellcheck disable=SC2086
  before_rss=$(rss_kb $pids)
  # shellcheck disable=SC2086
  before_pss=$(pss_kb $pids)
  "${LOAD[@]}" --label "$server idle" --port "$port" --tls implicit --no-tls-resume -c "$connections" \
    --hold "$HOLD_SECONDS" --setup-concurrency 32 --timeout 120 > "$file" 2>&1 &
  local tool=$! waited=0
  until grep -q 'holding' "$file" 2>/dev/null; do
    kill -0 "$tool" 2>/dev/null || break
    sleep 0.5; waited=$((waited + 1))
    (( waited < 1200 )) || break
  done
  sleep 2 # let the last handshakes settle into idle reads
  if [[ $server == hikyaku ]]; then pids=$HIKYAKU_PID; else pids=$(postfix_pids | tr '\n' ' '); fi
  local count rss pss
  count=$(echo "$pids" | wc -w)
  # shellcheck disable=SC2086
  rss=$(rss_kb $pids)
  # shellcheck disable=SC2086
  pss=$(pss_kb $pids)
  wait "$tool" || true
  grep -v '^{' "$file" | sed 's/^/    /'
  local established
  established=$(json_field "$file" established)
  printf '    %s: %s processes, RSS %d MiB (before: %d MiB), PSS %d MiB (before: %d MiB)\n' \
    "$server" "$count" $((rss / 1024)) $((before_rss / 1024)) $((pss / 1024)) $((before_pss / 1024))
  record "$server" idle established "${established:-0}"
  record "$server" idle requested "$connections"
  record "$server" idle rss_mib $((rss / 1024))
  record "$server" idle pss_mib $((pss / 1024))
  record "$server" idle rss_before_mib $((before_rss / 1024))
  record "$server" idle processes "$count"
  if (( ${established:-0} > 0 )); then
    # Per held connection, and memory projected linearly to the 10,000 of the target.
    local per_conn_kib=$(( (pss - before_pss) / established ))
    record "$server" idle pss_per_conn_kib "$per_conn_kib"
    record "$server" idle pss_10k_projected_mib $(( (before_pss + per_conn_kib * 10000) / 1024 ))
    record "$server" idle rss_per_conn_kib $(( (rss - before_rss) / established ))
  fi
}

# smtp-source as the client: $1 server, $2 port.
source_run() {
  local server=$1 port=$2
  local start end server0 server1
  server0=$(server_ticks "$server")
  start=$(date +%s.%N)
  smtp-source -c -s "$CONNECTIONS" -l 4096 -m "$RELAY_MESSAGES" -f "$ACCOUNT" -t "user@$DOMAIN" "127.0.0.1:$port" \
    > "$OUT/logs/r$ROUND-$server-smtp-source.out" 2>&1 || echo "    smtp-source exited $?"
  end=$(date +%s.%N)
  server1=$(server_ticks "$server")
  record "$server" relay-in-source server_cpu_ms_per_msg "$(python3 -c "print(round(10 * ($server1 - $server0) / $RELAY_MESSAGES, 3))")"
  local rate
  rate=$(python3 -c "print(round($RELAY_MESSAGES / ($end - $start), 1))")
  echo "    smtp-source: $RELAY_MESSAGES messages in $(python3 -c "print(round($end - $start, 2))") s, $rate msgs/s"
  record "$server" relay-in-source msgs_per_s "$rate"
}

# SUBMISSION_WARMUP_MESSAGES submissions (1 per connection, STARTTLS + AUTH PLAIN) to server $1 on
# port $2, not measured ($3 names the log): the JIT's work on the TLS and AUTH paths happens here,
# not in a measured row. Postfix gets the same, for the same page cache and Dovecot auth cache.
submission_warmup() {
  local server=$1 port=$2 name=$3
  "${LOAD[@]}" --label "$server $name warm-up" --port "$port" --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" \
    --password-file "$OUT/password" -c "$CONNECTIONS" --to friend@example.net --timeout 60 -k 1 -m "$SUBMISSION_WARMUP_MESSAGES" \
    > "$OUT/logs/r$ROUND-$server-$name-warmup.out" 2>&1 || true
}

# The DKIM rows: a fresh server that signs ($1 hikyaku or postfix, $2 its submission port), an
# unmeasured warm-up, submission 1 and 10 per connection as without DKIM, then the check that the
# server really signed. For Postfix, OpenDKIM's share of the server CPU is recorded on its own.
dkim_workloads() {
  local server=$1 port=$2
  local submit=(--port "$port" --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" --password-file "$OUT/password"
    -c "$CONNECTIONS" --to friend@example.net --timeout 60)
  submission_warmup "$server" "$port" dkim
  local workload per messages warmup opendkim0 opendkim1 file accepted warmed
  for workload in submission-1-dkim submission-10-dkim; do
    if [[ $workload == submission-1-dkim ]]; then
      per=1 messages=$SUBMISSION1_MESSAGES warmup=100
    else
      per=10 messages=$SUBMISSION10_MESSAGES warmup=200
    fi
    echo "  $workload"
    opendkim0=$(opendkim_ticks)
    load "$server" "$workload" "${submit[@]}" -k "$per" -m "$messages" --warmup "$warmup"
    opendkim1=$(opendkim_ticks)
    if [[ $server == postfix ]]; then
      file="$OUT/logs/r$ROUND-$server-$workload.out"
      accepted=$(json_field "$file" accepted)
      warmed=$(json_field "$file" warmupAccepted)
      accepted=$(( ${accepted:-0} + ${warmed:-0} ))
      if (( accepted > 0 )); then
        record postfix "$workload" opendkim_cpu_ms_per_msg "$(python3 -c "print(round(10 * ($opendkim1 - $opendkim0) / $accepted, 3))")"
      fi
    fi
  done
  dkim_check "$server"
}

# One message of the DKIM rows, as the server queued it, must carry a DKIM-Signature of $DOMAIN
# that verifies against the server's key (bench/lib/dkim-check.py): a server that did not sign
# fails the run here rather than looking fast in the report.
dkim_check() {
  local server=$1 message="$OUT/logs/r$ROUND-$1-dkim-sample.eml" dns_record
  if [[ $server == hikyaku ]]; then
    local id
    id=$(hikyaku_cli queue list --state queued --limit 1 --config "$HK/hikyaku.yaml" 2>/dev/null | awk 'NR == 2 { print $1 }') || true
    if [[ -n $id ]]; then
      hikyaku_cli queue show "$id" --content --config "$HK/hikyaku.yaml" 2>/dev/null | sed '1,/^$/d' > "$message" || true
    fi
    dns_record=$HK/dkim-record.txt
  else
    local file
    file=$(find "$PF/spool/hold" -type f -print -quit)
    if [[ -n $file ]]; then
      postcat -c "$PF/etc" -hb "$file" > "$message" 2>/dev/null || true
    fi
    dns_record=$OD/keys/$DKIM_SELECTOR.txt
  fi
  if [[ ! -s $message ]]; then
    echo "compare.sh: FAILED: $server queued no message in the DKIM rows (logs in $OUT/logs)" >&2
    exit 1
  fi
  if ! /usr/bin/python3 bench/lib/dkim-check.py "$message" "$dns_record" "$DOMAIN" "$DKIM_SELECTOR" 2>&1 | sed 's/^/    /'; then
    echo "compare.sh: FAILED: $server did not DKIM-sign the submitted mail as configured (message: $message)" >&2
    exit 1
  fi
}

queue_files() { find "$PF/spool/incoming" "$PF/spool/active" "$PF/spool/deferred" "$PF/spool/maildrop" "$PF/spool/hold" -type f 2>/dev/null | wc -l; }

run_hikyaku() {
  log "round $ROUND: Hikyaku (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  hikyaku_fresh
  local base=(--timeout 60)
  echo "  relay-in"
  load hikyaku relay-in --port 22525 -c "$CONNECTIONS" -k 1 -m "$RELAY_MESSAGES" --warmup 500 --to "user@$DOMAIN" "${base[@]}"
  echo "  relay-in-source"
  source_run hikyaku 22525
  submission_warmup hikyaku 22587 submission
  echo "  submission-1"
  load hikyaku submission-1 --port 22587 --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" --password-file "$OUT/password" \
    -c "$CONNECTIONS" -k 1 -m "$SUBMISSION1_MESSAGES" --warmup 100 --to friend@example.net "${base[@]}"
  echo "  submission-10"
  load hikyaku submission-10 --port 22587 --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" --password-file "$OUT/password" \
    -c "$CONNECTIONS" -k 10 -m "$SUBMISSION10_MESSAGES" --warmup 200 --to friend@example.net "${base[@]}"
  latency_half hikyaku 22525
  echo "  idle"
  idle hikyaku "$IDLE_CONNECTIONS" 22465
  echo "  DKIM (Hikyaku afresh, an active RSA-2048 key for $DOMAIN)"
  hikyaku_fresh dkim
  dkim_workloads hikyaku 22587
  echo "  end-to-end (route for $DOMAIN = smtp-sink on $SINK_PORT)"
  hikyaku_fresh relay
  end_to_end hikyaku 22525 hikyaku_queue_depth "user@$DOMAIN"
  hikyaku_stop
}

# p99 of the transaction at half the relay-in rate this server reached in this round.
latency_half() {
  local server=$1 port=$2
  local saturated
  saturated=$(awk -F'\t' -v r="$ROUND" -v s="$server" '$1 == r && $2 == s && $3 == "relay-in" && $4 == "msgs_per_s" { print $5 }' "$RESULTS")
  [[ -n $saturated ]] || return 0
  local rate messages
  rate=$(python3 -c "print(max(1, round($saturated / 2)))")
  messages=$(python3 -c "print(max(100, round($saturated / 2 * 10)))")
  echo "  latency-half (paced at $rate msgs/s)"
  load "$server" latency-half --port "$port" -c "$CONNECTIONS" -k 1 -m "$messages" --rate "$rate" --to "user@$DOMAIN" --timeout 60
}

run_postfix() {
  log "round $ROUND: Postfix + Dovecot (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  postfix_fresh intake
  echo "  relay-in"
  load postfix relay-in --port 12525 -c "$CONNECTIONS" -k 1 -m "$RELAY_MESSAGES" --warmup 500 --to "user@$DOMAIN" --timeout 60
  echo "  relay-in-source"
  source_run postfix 12525
  submission_warmup postfix 12587 submission
  echo "  submission-1"
  load postfix submission-1 --port 12587 --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" --password-file "$OUT/password" \
    -c "$CONNECTIONS" -k 1 -m "$SUBMISSION1_MESSAGES" --warmup 100 --to friend@example.net --timeout 60
  echo "  submission-10"
  load postfix submission-10 --port 12587 --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" --password-file "$OUT/password" \
    -c "$CONNECTIONS" -k 10 -m "$SUBMISSION10_MESSAGES" --warmup 200 --to friend@example.net --timeout 60
  latency_half postfix 12525
  echo "  idle"
  local available_mib wanted=$POSTFIX_IDLE
  # One smtpd process per connection: refuse to take the shared machine below 4 GiB free.
  available_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
  if (( wanted * 3 > available_mib - 4096 )); then
    wanted=$(( (available_mib - 4096) / 3 ))
    echo "    only $available_mib MiB available: holding $wanted connections instead of $POSTFIX_IDLE (3 MiB per smtpd assumed)"
  fi
  idle postfix "$wanted" 12465
  echo "  DKIM (Postfix afresh, OpenDKIM as the submission services' milter)"
  postfix_fresh dkim
  dkim_workloads postfix 12587
  echo "  end-to-end (relayhost = smtp-sink on $SINK_PORT)"
  postfix_fresh relay
  end_to_end postfix 12525 queue_files "user@sink.example"
  postfix_stop
}

opendkim_write_config

{
  echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
  echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"
  echo "Postfix: $(postconf -c /usr/share/postfix 2>/dev/null -h mail_version || dpkg-query -W -f '${Version}' postfix)"
  echo "Dovecot: $(dovecot --version), passwords $DOVECOT_SCHEME"
} | tee "$OUT/machine.txt"

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  if (( ROUND % 2 == 1 )); then run_hikyaku; run_postfix; else run_postfix; run_hikyaku; fi
done

if $PROFILE; then
  # One more Hikyaku pass under Java Flight Recorder, not counted: where does the time go?
  ROUND=profile
  log "profiling Hikyaku with JFR (relay-in and submission-1)"
  hikyaku_stop
  rm -rf "$HK"
  hikyaku_write_config "$HK" "$DOMAIN" 22525 22587 22465 "$OUT/tls/cert.pem" "$OUT/tls/key.pem"
  hikyaku_add_account "$HK" "$ACCOUNT" "$PASSWORD"
  export JDK_JAVA_OPTIONS="-XX:StartFlightRecording=filename=$OUT/hikyaku.jfr,settings=profile,dumponexit=true"
  hikyaku_start "$HK"
  unset JDK_JAVA_OPTIONS # the load tool's JVM must not record too
  load hikyaku relay-in --port 22525 -c "$CONNECTIONS" -k 1 -m "$RELAY_MESSAGES" --warmup 500 --to "user@$DOMAIN"
  load hikyaku submission-1 --port 22587 --tls starttls --no-tls-resume --auth plain --user "$ACCOUNT" --password-file "$OUT/password" \
    -c "$CONNECTIONS" -k 1 -m "$SUBMISSION1_MESSAGES" --to friend@example.net
  hikyaku_stop
  bash bench/jfr-top.sh "$OUT/hikyaku.jfr" | tee "$OUT/profile.txt"
fi

python3 bench/summarize.py "$RESULTS" | tee "$OUT/summary.txt"
# Keep this run's figures beside earlier ones (bench/results is ignored by git).
kept="$ROOT/bench/results/$(date +%Y-%m-%d-%H%M)"
mkdir -p "$kept"
cp "$RESULTS" "$OUT/summary.txt" "$OUT/machine.txt" "$kept/"
[[ -f $OUT/profile.txt ]] && cp "$OUT/profile.txt" "$kept/"
log "results: $RESULTS, summary: $OUT/summary.txt, logs: $OUT/logs, kept in $kept"
