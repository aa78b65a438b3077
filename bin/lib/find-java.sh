# shellcheck shell=bash
# Finds a JDK for Hikyaku (21 or newer) and prints its home directory.
#
# Sourced by bin/test and .ci/run, which call hikyaku_find_java_home; it can also be run on its
# own: `bash bin/lib/find-java.sh` prints the home or fails.
#
# Order: $JAVA_HOME if it is 21+, then the `java` on PATH if it is 21+, then the newest 21+ JDK
# under /usr/lib/jvm ($HIKYAKU_JVM_DIR overrides the directory). A JRE is not enough (javac is needed), so each candidate must have both.
# Messages go to stderr; stdout carries only the path, so `home=$(hikyaku_find_java_home)` works.

HIKYAKU_MIN_JAVA=21

# The feature release of the JDK whose home is $1 ("17", "21", "25"), or nothing when it has no
# working bin/java and bin/javac.
hikyaku_java_major() {
  local home=$1 line version
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 0
  # First line: openjdk version "21.0.5" 2024-10-15 | java version "1.8.0_412" | ... "25-ea"
  line=$("$home/bin/java" -version 2>&1 | head -n 1) || return 0
  version=${line#*version \"}
  version=${version%%\"*}
  case $version in
    1.*) version=${version#1.} ;;  # 1.8.0 -> 8: releases before 9 named themselves 1.N
  esac
  version=${version%%[.+-]*}
  [[ $version =~ ^[0-9]+$ ]] && printf '%s\n' "$version"
  return 0
}

# The home of the JDK that runs `java` on PATH (following the alternatives symlinks).
hikyaku_path_java_home() {
  local java
  java=$(command -v java 2>/dev/null) || return 0
  java=$(readlink -f "$java") || return 0
  printf '%s\n' "${java%/bin/java}"
}

hikyaku_find_java_home() {
  local home major best="" best_major=0 jvm_dir=${HIKYAKU_JVM_DIR:-/usr/lib/jvm}
  if [[ -n "${JAVA_HOME:-}" ]]; then
    major=$(hikyaku_java_major "$JAVA_HOME")
    if [[ -n $major && $major -ge $HIKYAKU_MIN_JAVA ]]; then
      printf '%s\n' "$JAVA_HOME"
      return 0
    fi
    echo "find-java: JAVA_HOME=$JAVA_HOME is ${major:-not a JDK}, need $HIKYAKU_MIN_JAVA+; looking further" >&2
  fi
  home=$(hikyaku_path_java_home)
  if [[ -n $home ]]; then
    major=$(hikyaku_java_major "$home")
    if [[ -n $major && $major -ge $HIKYAKU_MIN_JAVA ]]; then
      printf '%s\n' "$home"
      return 0
    fi
  fi
  for home in "$jvm_dir"/*/; do
    home=${home%/}
    [[ -d $home ]] || continue
    major=$(hikyaku_java_major "$home")
    if [[ -n $major && $major -ge $HIKYAKU_MIN_JAVA && $major -gt $best_major ]]; then
      best=$home
      best_major=$major
    fi
  done
  if [[ -n $best ]]; then
    printf '%s\n' "$best"
    return 0
  fi
  echo "find-java: no JDK $HIKYAKU_MIN_JAVA or newer found (looked at JAVA_HOME, java on PATH, $jvm_dir/*)." >&2
  echo "find-java: install one (for example openjdk-21-jdk-headless or Temurin 21+) or set JAVA_HOME to it." >&2
  return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  hikyaku_find_java_home
fi
