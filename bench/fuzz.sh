#!/usr/bin/env bash
# Runs each Jazzer @FuzzTest harness in fuzzing mode (JAZZER_FUZZ=1) for N minutes, one after the
# other (Jazzer fuzzes one test per JVM), and prints the executions per harness.
#
#   bench/fuzz.sh --minutes N [harness-regex]      e.g. bench/fuzz.sh --minutes 10 'CommandParser|Path'
#
# Harnesses are the @FuzzTest methods under src/test/java, named Class#method; the regex filters
# those names. Each run first replays the committed seeds (src/test/resources/<package>/<Class>Inputs/
# <method>/) and the corpus grown by earlier runs, then mutates for N minutes.
# Kept under bench/target/fuzz (ignored by git): <harness>.log, corpus/ (what the fuzzer found
# interesting; reused by the next run), findings/<harness>/ (crash-*, timeout-*: each input that
# broke an invariant; copy it next to the seeds once fixed, so CI replays it), summary.tsv.
# Do not build in this working tree while it runs: the harnesses load the classes under target/.
# Regex-heavy harnesses (ReportReaderFuzzTest: mime4j plus the plain-bounce patterns) run about 10x
# faster without Jazzer's regex guidance: JAZZER_DISABLED_HOOKS=com.code_intelligence.jazzer.sanitizers.RegexRoadblocks
# CI does not run this: `mvn test` replays the seeds of every harness in regression mode (seconds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes=""
filter="."
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) filter="$1"; shift ;;
  esac
done
if [[ ! "$minutes" =~ ^[0-9]+$ || "$minutes" -lt 1 ]]; then
  echo "usage: bench/fuzz.sh --minutes N [harness-regex]" >&2
  exit 2
fi

# shellcheck source=bin/lib/find-java.sh
. bin/lib/find-java.sh
JAVA_HOME=$(hikyaku_find_java_home)
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
if [[ $(hikyaku_java_major "$JAVA_HOME") -ge 24 ]]; then
  export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
fi

out=bench/target/fuzz
mkdir -p "$out/corpus" "$out/findings"
# jazzer-junit keeps its generated corpus in .cifuzz-corpus at the project root: point it here.
if [[ ! -e .cifuzz-corpus ]]; then
  ln -s "$out/corpus" .cifuzz-corpus
fi

# Class#method of every @FuzzTest: the method name is on the line after the annotation.
mapfile -t harnesses < <(
  grep -rn -A1 --include='*.java' '@FuzzTest' src/test/java \
    | awk '/@FuzzTest/ { file = $0; sub(/:.*/, "", file); next }
           /void [A-Za-z0-9_]+\(/ { match($0, /void [A-Za-z0-9_]+\(/); m = substr($0, RSTART + 5, RLENGTH - 6);
             n = split(file, parts, "/"); cls = parts[n]; sub(/\.java$/, "", cls); print cls "#" m }' \
    | grep -E -- "$filter" | sort -u)
if [[ ${#harnesses[@]} -eq 0 ]]; then
  echo "no @FuzzTest matches '$filter'" >&2
  exit 1
fi

./mvnw -B -q -o test-compile
summary="$out/summary.tsv"
printf 'harness\tseconds\texecutions\texec_per_s\tresult\n' > "$summary"
for harness in "${harnesses[@]}"; do
  log="$out/${harness/\#/.}.log"
  echo "== $harness: fuzzing for $minutes min (log: $log)" >&2
  result=ok
  JAZZER_FUZZ=1 ./mvnw -B -o surefire:test -Dtest="$harness" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.max_duration="${minutes}m" > "$log" 2>&1 || result=FINDING
  # libFuzzer's last words: "Done 4326443 runs in 61 second(s)"; after a finding, the last "#N" line.
  done_line=$(grep -aoE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  runs=$(awk '{print $2}' <<< "$done_line")
  seconds=$(awk '{print $5}' <<< "$done_line")
  if [[ -z "$runs" ]]; then
    runs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    seconds=""
  fi
  rate=""
  if [[ -n "$runs" && -n "$seconds" && "$seconds" -gt 0 ]]; then
    rate=$((runs / seconds))
  fi
  # Inputs that broke an invariant land next to the seeds: move them out of the source tree.
  class=${harness%%#*}
  method=${harness##*#}
  while IFS= read -r -d '' inputs; do
    for found in "$inputs/$method"/crash-* "$inputs/$method"/timeout-* "$inputs/$method"/slow-unit-*; do
      [[ -e "$found" ]] || continue
      # A committed one is a regression input kept on purpose (the bug is fixed): leave it.
      if git ls-files --error-unmatch "$found" > /dev/null 2>&1; then
        continue
      fi
      mkdir -p "$out/findings/${harness/\#/.}"
      mv "$found" "$out/findings/${harness/\#/.}/"
      result=FINDING
    done
  done < <(find src/test/resources -type d -name "${class}Inputs" -print0)
  printf '%s\t%s\t%s\t%s\t%s\n' "$harness" "${seconds:-?}" "${runs:-?}" "${rate:-?}" "$result" | tee -a "$summary"
done
echo "summary: $summary" >&2
column -t -s $'\t' "$summary"
