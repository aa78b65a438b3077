#!/usr/bin/env bash
# Builds the Java runtime the Debian package bundles, with the JDK running the build (21+): jlink
# with the modules Hikyaku uses (jdeps over the shaded jar, plus those it loads by name: jdk.net for
# SO_PEERCRED, jdk.charsets for mail in legacy charsets, jdk.crypto.ec and jdk.zipfs), then a tar
# with root's ownership that jdeb maps under /usr/share/hikyaku.
# Usage: runtime.sh JAVA_HOME JAR OUT_DIRECTORY
set -euo pipefail
java_home=$1
jar=$2
out=$3
rm -rf "$out"
mkdir -p "$out"
found=$("$java_home/bin/jdeps" --ignore-missing-deps --multi-release 21 --print-module-deps "$jar")
modules="$found,java.xml,jdk.net,jdk.charsets,jdk.zipfs,jdk.crypto.ec"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$out/runtime"
tar --owner=0 --group=0 --numeric-owner -cf "$out/runtime.tar" -C "$out" runtime
echo "runtime.sh: $("$out/runtime/bin/java" -version 2>&1 | head -1), modules $modules" >&2
