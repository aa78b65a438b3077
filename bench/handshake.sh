#!/usr/bin/env bash
# The TLS handshake benchmarks (issue 15 point 1), over loopback, every variant in the same run:
#   bench/handshake.sh                               # server stacks: JSSE against BoringSSL (netty-tcnative),
#                                                    # RSA-2048 against ECDSA P-256, X25519 against P-256,
#                                                    # TLS 1.3 and 1.2, full and resumed, and JSSE with ACCP (about 9 minutes here)
#   bench/handshake.sh --rounds 3 --handshakes 100   # shorter
#   bench/handshake.sh --only 'ECDSA.*1.3.*full'     # some variants, and the baseline
#   bench/handshake.sh threading                     # virtual thread per connection against a pool of
#                                                    # platform threads (--clients, --handshakes, --rounds)
#   bench/handshake.sh refusals                      # openssl s_client offers old protocols and weak suites
#                                                    # to each stack: TLS 1.2/1.3 and AEAD only?
# Each prints a Markdown table at the end (medians over interleaved rounds, ratios).
set -euo pipefail
harness=dev.hikyaku.bench.tls.HandshakeBench
case ${1:-} in
  threading) harness=dev.hikyaku.bench.tls.ThreadingBench; shift ;;
  refusals) harness=dev.hikyaku.bench.tls.RefusalCheck; shift ;;
esac
exec "$(dirname "${BASH_SOURCE[0]}")/jmh/run.sh" --main "$harness" "$@"
