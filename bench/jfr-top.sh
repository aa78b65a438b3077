#!/usr/bin/env bash
# Where the CPU time went in a Java Flight Recorder file: the hottest methods (top frames of
# jdk.ExecutionSample), the same grouped by package, and the hottest frames that are Hikyaku's own
# (first dev.hikyaku frame in each sampled stack). Usage: bench/jfr-top.sh FILE.jfr [N]
set -euo pipefail
file=$1
top=${2:-25}
# shellcheck source=bin/lib/find-java.sh
. "$(dirname "${BASH_SOURCE[0]}")/../bin/lib/find-java.sh"
JAVA_HOME=$(hikyaku_find_java_home)
"$JAVA_HOME/bin/jfr" summary "$file" | grep -E 'jdk.ExecutionSample|jdk.GarbageCollection |jdk.ThreadPark |Duration|Start' || true
"$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$file" > "${file%.jfr}.samples.txt"
python3 - "${file%.jfr}.samples.txt" "$top" <<'PY'
import re, sys
from collections import Counter
path, top = sys.argv[1], int(sys.argv[2])
method, package, own = Counter(), Counter(), Counter()
samples = 0
in_stack = False
for line in open(path, encoding="utf-8", errors="replace"):
    if "stackTrace = [" in line:
        in_stack, first, seen_own = True, True, False
        continue
    if in_stack and line.strip() == "]":
        in_stack = False
        continue
    if not in_stack:
        continue
    frame = re.sub(r"\s+line:.*$", "", line.strip())
    if frame == "..." or not frame:
        continue
    if first:
        samples += 1
        method[frame] += 1
        package[re.sub(r"\.[^.]+\.[^.(]+\(.*$", "", frame)] += 1
        first = False
    if not seen_own and frame.startswith("dev.hikyaku."):
        own[frame] += 1
        seen_own = True
print(f"\n{samples} execution samples\n\nTop frames (the method each sample landed in):")
for frame, n in method.most_common(top):
    print(f"  {100 * n / samples:5.1f}%  {frame}")
print("\nBy package of the top frame:")
for name, n in package.most_common(15):
    print(f"  {100 * n / samples:5.1f}%  {name}")
print("\nFirst Hikyaku frame in each stack (whose work it was):")
for frame, n in own.most_common(top):
    print(f"  {100 * n / samples:5.1f}%  {frame}")
PY
