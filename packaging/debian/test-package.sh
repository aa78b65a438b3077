#!/usr/bin/env bash
# The Debian package, installed and run as an operator would (issue 19): build it, check the unit
# with systemd-analyze, install it with apt-get, start the service's command as the unit runs it
# (systemd is not PID 1 here: the same user, environment and runtime directory), make an account
# with the installed CLI, submit with swaks through 587 (STARTTLS, AUTH PLAIN) and with
# /usr/sbin/sendmail as cron does, see the send-log lines, upgrade to a rebuilt package with the
# changed config kept, and purge. Needs root; changes this machine (the hikyaku package and user),
# and leaves it as it found it. Run by bin/test as root, so by .ci/run.
# Usage: packaging/debian/test-package.sh   (from anywhere; exit 0 only if every check held)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=bin/lib/find-java.sh
. bin/lib/find-java.sh
JAVA_HOME=$(hikyaku_find_java_home)
export JAVA_HOME
if [[ $(hikyaku_java_major "$JAVA_HOME") -ge 24 ]]; then
  export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
fi
[[ $(id -u) -eq 0 ]] || { echo "test-package: needs root (it installs the package)" >&2; exit 2; }

work=$(mktemp -d /tmp/hikyaku-package-test.XXXXXX)
server_pid=""
checks=0
fail() { echo "test-package: FAILED: $*" >&2; [[ -f $work/server.log ]] && tail -n 30 "$work/server.log" >&2; exit 1; }
pass() { checks=$((checks + 1)); echo "test-package: ok - $*"; }
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  if dpkg -s hikyaku >/dev/null 2>&1; then apt-get purge -y -q hikyaku >/dev/null 2>&1 || true; fi
  rm -rf /var/lib/hikyaku /run/hikyaku
  if getent passwd hikyaku >/dev/null && [[ $had_user == no ]]; then deluser --quiet --system hikyaku >/dev/null 2>&1 || true; fi
  if getent group hikyaku >/dev/null && [[ $had_user == no ]]; then delgroup --quiet --system hikyaku >/dev/null 2>&1 || true; fi
  if [[ $diverted == yes ]]; then
    rm -f /usr/sbin/sendmail
    dpkg-divert --quiet --local --rename --divert /usr/sbin/sendmail.before-hikyaku-test --remove /usr/sbin/sendmail
  fi
  rm -rf "$work"
}
had_user=no
diverted=no
getent passwd hikyaku >/dev/null && had_user=yes
dpkg -s hikyaku >/dev/null 2>&1 && { echo "test-package: the hikyaku package is installed here already; purge it first" >&2; exit 2; }
[[ -e /var/lib/hikyaku ]] && { echo "test-package: /var/lib/hikyaku exists; move it away first" >&2; exit 2; }
trap cleanup EXIT
# Another MTA's /usr/sbin/sendmail (CI installs Postfix for its own tests) is moved aside with
# dpkg-divert for the test, so that the package meets a machine without one and links its own; the
# cleanup puts it back.
if [[ -e /usr/sbin/sendmail || -L /usr/sbin/sendmail ]] && dpkg -S /usr/sbin/sendmail >/dev/null 2>&1; then
  dpkg-divert --quiet --local --rename --divert /usr/sbin/sendmail.before-hikyaku-test --add /usr/sbin/sendmail
  diverted=yes
fi
sendmail_before=no
[[ -e /usr/sbin/sendmail || -L /usr/sbin/sendmail ]] && sendmail_before=yes

build() {
  ./mvnw -B -q -Pdeb -DskipTests package >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail "the package did not build"; }
  # shellcheck disable=SC2012 # the newest one: the names are ours, without blanks
  ls -t target/hikyaku_*_amd64.deb | head -n 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The service as systemd would run it: the unit's User, Environment and ExecStart, with the
# RuntimeDirectory systemd would make. (ProtectSystem and the rest need systemd; the unit is verified.)
start_service() {
  local unit=/lib/systemd/system/hikyaku.service
  local user exec_start
  user=$(sed -n 's/^User=//p' "$unit")
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  install -d -o "$user" -g "$user" -m 0755 /run/hikyaku
  # shellcheck disable=SC2086 # ExecStart is a command line
  setpriv --reuid="$user" --regid="$user" --init-groups env HIKYAKU_CONFIG=/etc/hikyaku/hikyaku.yaml $exec_start \
    >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do
    grep -q "listening on 127.0.0.1:$submission " "$work/server.log" 2>/dev/null && [[ -S /run/hikyaku/sendmail.sock ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "the service exited at start"
    sleep 0.2
  done
  fail "the service did not start within 30 s"
}

wait_for() { # FILE-GLOB-DIR PATTERN WHAT
  for _ in $(seq 1 150); do
    grep -rqs -- "$2" "$1" && return 0
    sleep 0.2
  done
  fail "$3"
}

echo "test-package: building the package"
deb=$(build)
pass "built $deb ($(du -h "$deb" | cut -f1))"
# (Output captured first: grep -q stops reading early, which pipefail would count against dpkg-deb.)
info=$(dpkg-deb --info "$deb")
grep -q "Package: hikyaku" <<<"$info" || fail "no control file"
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
grep -qx /etc/hikyaku/hikyaku.yaml <<<"$conffiles" || fail "the config is not a conffile: $conffiles"
pass "the control data names /etc/hikyaku/hikyaku.yaml a conffile"

apt-get install -y -q "$root/$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "apt-get install"; }
version1=$(dpkg-query -W -f '${Version}' hikyaku)
pass "installed hikyaku $version1"
getent passwd hikyaku >/dev/null || fail "no hikyaku user"
[[ $(stat -c '%U:%G %a' /var/lib/hikyaku) == "hikyaku:hikyaku 750" ]] || fail "/var/lib/hikyaku is $(stat -c '%U:%G %a' /var/lib/hikyaku)"
[[ $(command -v hikyaku) == /usr/bin/hikyaku ]] || fail "hikyaku is not on the PATH"
if [[ $sendmail_before == no ]]; then
  [[ $(readlink /usr/sbin/sendmail) == hikyaku-sendmail ]] || fail "/usr/sbin/sendmail was free but is not ours"
  pass "/usr/sbin/sendmail -> hikyaku-sendmail (no other MTA had it)"
else
  [[ $(readlink /usr/sbin/sendmail || true) != hikyaku-sendmail ]] || fail "/usr/sbin/sendmail of another MTA was replaced"
  pass "/usr/sbin/sendmail of another MTA left alone"
fi
pass "system user hikyaku, /var/lib/hikyaku hikyaku:hikyaku 0750, /usr/bin/hikyaku on the PATH"

# The unit, as systemd reads it: no unknown keys, ExecStart found, hardening as the issue asks.
analyze=$(systemd-analyze verify /lib/systemd/system/hikyaku.service 2>&1 || echo "exit status $?")
if grep -i "hikyaku.service" <<<"$analyze" | grep -qiv "Failed to connect\|bus"; then
  echo "$analyze" >&2
  fail "systemd-analyze verify complains about the unit"
fi
# shellcheck disable=SC2016 # $MAINPID is systemd's, literally in the unit
for key in "ProtectSystem=strict" "NoNewPrivileges=true" "AmbientCapabilities=CAP_NET_BIND_SERVICE" \
    "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" "ReadWritePaths=/var/lib/hikyaku" "Restart=on-failure" \
    'ExecReload=/bin/kill -HUP $MAINPID'; do
  grep -qxF "$key" /lib/systemd/system/hikyaku.service || fail "the unit lacks $key"
done
pass "systemd-analyze verify: the unit is clean; hardening keys present"

/usr/share/hikyaku/runtime/bin/java --list-modules >"$work/modules"
for module in $("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --multi-release 21 --print-module-deps /usr/share/hikyaku/hikyaku.jar | tr ',' ' ') jdk.net; do
  grep -q "^$module@" "$work/modules" || fail "the bundled runtime lacks $module"
done
pass "the bundled runtime ($(head -n 1 "$work/modules" | cut -d@ -f2)) has every module the jar uses"

# The operator's change to the config: loopback and free ports (this test's), a domain of ours.
submission=$(free_port); relay=$(free_port); submissions=$(free_port); api=$(free_port); metrics=$(free_port)
cat >>/etc/hikyaku/hikyaku.yaml <<YAML
# Changed by the operator (test-package.sh)
hostname: mail.package.test
hosted-domains: [package.test]
listeners:
  - {role: relay, address: 127.0.0.1, port: $relay}
  - {role: submission, address: 127.0.0.1, port: $submission}
  - {role: submissions, address: 127.0.0.1, port: $submissions}
http: {address: 127.0.0.1, port: $metrics}
api: {address: 127.0.0.1, port: $api}
YAML
changed=$(sha256sum /etc/hikyaku/hikyaku.yaml | cut -d' ' -f1)
hikyaku config check >/dev/null || fail "hikyaku config check refused the changed config"
pass "hikyaku config check accepts the changed /etc/hikyaku/hikyaku.yaml"

start_service
pass "the service's command runs as hikyaku, listening on 127.0.0.1:$submission and /run/hikyaku/sendmail.sock"
[[ $(stat -c %U /var/lib/hikyaku/hikyaku.db) == hikyaku ]] || fail "the store is not the service's"

password="package test pass phrase $(head -c 12 /dev/urandom | base64)"
hikyaku domain add package.test >/dev/null
printf '%s\n' "$password" | hikyaku user add alice@package.test --password-stdin >/dev/null
[[ $(stat -c %U /var/lib/hikyaku/hikyaku.db) == hikyaku ]] || fail "root's CLI made the store root's"
hikyaku user list --json | jq -e '.[] | select(.account == "alice@package.test")' >/dev/null || fail "user list --json"
listing=$(hikyaku queue list 2>&1)
grep -q "INFO\|WARN" <<<"$listing" && fail "queue list printed log lines: $listing"
pass "an account made with the installed CLI (as root, run as hikyaku); user list --json parses with jq; queue list prints no log lines"

printf 'auth-user alice@package.test\nauth-password %s\n' "$password" >"$work/swaksrc"
chmod 600 "$work/swaksrc"
swaks --config "$work/swaksrc" --server 127.0.0.1 --port "$submission" --tls --auth PLAIN \
  --from alice@package.test --to alice@package.test --header "Subject: from swaks" --body "through 587" \
  >"$work/swaks.log" 2>&1 || { cat "$work/swaks.log" >&2; fail "swaks through 587"; }
grep -q "250 2.0.0 Ok: queued as" "$work/swaks.log" || fail "swaks saw no 250 after DATA"
wait_for /var/lib/hikyaku/mail/package.test/alice/new "Subject: from swaks" "the swaks message was not delivered"
wait_for "$work/server.log" "to=<alice@package.test>, relay=maildir" "no send-log line for the delivery"
grep -q "from=<alice@package.test>" "$work/server.log" || fail "no send-log line for the acceptance"
pass "swaks through 587 (STARTTLS, AUTH PLAIN): 250, delivered, send-log lines: $(grep -m1 -o 'to=<alice@package.test>, relay=maildir.*status=sent' "$work/server.log" | cut -c1-80)"

printf 'To: alice@package.test\nSubject: cron\n\nhello from cron\n' | /usr/sbin/sendmail -t -i || fail "sendmail -t -i"
wait_for /var/lib/hikyaku/mail/package.test/alice/new "Subject: cron" "the sendmail message was not delivered"
grep -rqs "from userid root" /var/lib/hikyaku/mail/package.test/alice/new || fail "the sendmail message does not name the user"
# PHP's mail(), as the web server's user: -t -i -f, CRLF line ends.
printf 'To: alice@package.test\r\nSubject: php\r\n\r\nfrom php\r\n' \
  | setpriv --reuid=www-data --regid=www-data --clear-groups /usr/sbin/sendmail -t -i -f www@package.test \
  || fail "sendmail as www-data"
wait_for /var/lib/hikyaku/mail/package.test/alice/new "from userid www-data" "the message of www-data was not delivered"
set +e
/usr/sbin/sendmail -q </dev/null 2>"$work/usage"
status=$?
set -e
[[ $status -eq 64 && $(wc -l <"$work/usage") -eq 1 ]] || fail "a malformed sendmail call exited $status with $(wc -l <"$work/usage") lines"
pass "printf ... | sendmail -t -i delivered (Received: from userid root), and PHP-style as www-data; sendmail -q exits 64 with one line"

stop_server
pass "the service stops on SIGTERM"

echo "test-package: rebuilding for an upgrade"
sleep 1 # the snapshot version is a timestamp to the second
deb2=$(build)
[[ $deb2 != "$deb" ]] || fail "the rebuilt package has the same version"
apt-get install -y -q -o Dpkg::Options::=--force-confdef "$root/$deb2" >"$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log" >&2; fail "upgrade"; }
version2=$(dpkg-query -W -f '${Version}' hikyaku)
dpkg --compare-versions "$version2" gt "$version1" || fail "upgrade went from $version1 to $version2"
[[ $(sha256sum /etc/hikyaku/hikyaku.yaml | cut -d' ' -f1) == "$changed" ]] || fail "the upgrade changed the operator's config"
[[ ! -e /etc/hikyaku/hikyaku.yaml.dpkg-new && ! -e /etc/hikyaku/hikyaku.yaml.dpkg-dist ]] || fail "the upgrade left a .dpkg-new/.dpkg-dist beside the config"
start_service
swaks --config "$work/swaksrc" --server 127.0.0.1 --port "$submission" --tls --auth PLAIN \
  --from alice@package.test --to alice@package.test --header "Subject: after the upgrade" >"$work/swaks2.log" 2>&1 \
  || { cat "$work/swaks2.log" >&2; fail "swaks after the upgrade"; }
wait_for /var/lib/hikyaku/mail/package.test/alice/new "Subject: after the upgrade" "no delivery after the upgrade"
stop_server
pass "upgraded $version1 -> $version2: the changed config kept, the account and store kept, mail flows"

apt-get purge -y -q hikyaku >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "purge"; }
dpkg -s hikyaku >/dev/null 2>&1 && fail "still installed after purge"
[[ ! -e /etc/hikyaku && ! -e /usr/bin/hikyaku && ! -e /usr/share/hikyaku && ! -e /lib/systemd/system/hikyaku.service ]] \
  || fail "purge left files behind"
if [[ $sendmail_before == no ]]; then
  [[ ! -e /usr/sbin/sendmail && ! -L /usr/sbin/sendmail ]] || fail "purge left /usr/sbin/sendmail"
fi
[[ -f /var/lib/hikyaku/hikyaku.db ]] || fail "purge removed the store (it may hold undelivered mail)"
grep -q "kept /var/lib/hikyaku" "$work/purge.log" || fail "purge did not say it kept /var/lib/hikyaku"
pass "purged: config, programs, unit and sendmail link gone; /var/lib/hikyaku kept, and said so"
echo "test-package: all $checks checks passed"
