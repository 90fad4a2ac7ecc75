# shellcheck shell=bash
# Sourced by every nLink script: picks a JDK >= 21 for the build and the CLI, since the default
# `java` on our machines is 17. Order: $JAVA_HOME if new enough, then the newest JDK in
# /usr/lib/jvm, then `java` on PATH. Prints why and returns 1 when there is none.

nlink_java_major() { # $1: path to a java binary
  # The JDK's release file says it without starting a JVM (a tenth of a second each, and the
  # launcher asks several times); a java without one is asked.
  local release version
  release="$(dirname "$(dirname "$(readlink -f "$1")")")/release"
  version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" 2>/dev/null)"
  if [[ -n "$version" ]]; then
    echo "$version"
    return
  fi
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

# The JVM flags every nLink process runs with, into the array NLINK_JVM_FLAGS (after nlink_pick_java):
#  -XX:-DontCompileHugeMethods  Chicory turns large guest functions into large JVM methods, which
#                               HotSpot would otherwise never JIT (measured: about a fifth of the
#                               CPU per item on Go guests).
#  --enable-native-access, --sun-misc-unsafe-memory-access
#                               GraalJS (the execution.js fallback) loads Truffle's JDK support
#                               library and uses sun.misc.Unsafe; newer JDKs warn on every start.
#  --add-exports/--add-opens    the JDK internals Hazelcast (cluster members, docs/scaling.md)
#                               asks for: direct-buffer cleaning, NIO sockets and its metrics;
#                               without them it warns on every start and runs slower.
#  GraalJS's optimising runtime (nlink_truffle_jit_flags below), when it can run here.
nlink_jvm_flags() {
  local major
  major="$(nlink_java_major "$JAVA_HOME/bin/java")"
  NLINK_JVM_FLAGS=(-XX:-DontCompileHugeMethods --enable-native-access=ALL-UNNAMED
    --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED)
  if ((major >= 24)); then
    NLINK_JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow)
  fi
  nlink_truffle_jit_flags "$major"
  NLINK_JVM_FLAGS+=("${NLINK_TRUFFLE_JIT_FLAGS[@]}")
}

# GraalJS (execution.js) compiles hot JavaScript only when the JVM has the Graal compiler as a
# JVMCI compiler; otherwise it runs in Truffle's interpreter. On a stock JDK whose major version
# matches the GraalJS release (25.0.x needs JDK 25) this puts the Graal compiler jars from Maven
# Central on the upgrade module path and enables JVMCI, into NLINK_TRUFFLE_JIT_FLAGS. HotSpot's
# own JIT (C2) still compiles all Java code, so the wasm path (Chicory) is unaffected; only
# Truffle uses Graal. The jars come from the local Maven repository (fetched once with
# `mvn dependency:get` when missing); the flags are tried once per JDK and jar set
# (`java -version`, result cached under ~/.cache/nlink). When any of it is unavailable, one line
# on stderr says so and execution.js runs interpreted. NLINK_TRUFFLE_JIT=off turns it off (the
# launcher does so for every command but `serve`: --upgrade-module-path disables the JDK's
# class-data sharing, which slows every start, and the warm-up takes tens of seconds).
nlink_truffle_jit_flags() { # $1: the JDK's major version, when known
  NLINK_TRUFFLE_JIT_FLAGS=()
  [[ "${NLINK_TRUFFLE_JIT:-auto}" == off ]] && return 0
  local root version major repo artifact jars=() missing=() path cache stamp flags
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  version="$(sed -n 's:.*<graalvm.polyglot.version>\(.*\)</graalvm.polyglot.version>.*:\1:p' "$root/pom.xml" | head -1)"
  major="${1:-$(nlink_java_major "$JAVA_HOME/bin/java")}"
  if [[ -z "$version" || "${version%%.*}" != "$major" ]]; then
    echo "nlink: execution.js runs interpreted: GraalJS ${version:-?}'s compiler needs JDK ${version%%.*}, this is JDK $major (NLINK_TRUFFLE_JIT=off hides this)" >&2
    return 0
  fi
  repo="${NLINK_MAVEN_REPO:-$HOME/.m2/repository}"
  for artifact in compiler/compiler sdk/collections sdk/word truffle/truffle-compiler sdk/nativeimage; do
    path="$repo/org/graalvm/$artifact/$version/${artifact#*/}-$version.jar"
    jars+=("$path")
    [[ -f "$path" ]] || missing+=("$path")
  done
  if ((${#missing[@]})) && command -v mvn >/dev/null 2>&1; then
    echo "nlink: fetching the Graal compiler $version for execution.js (once, from Maven Central)..." >&2
    for artifact in org.graalvm.compiler:compiler org.graalvm.sdk:nativeimage; do
      mvn -B -q -ntp -Dstyle.color=never -Dmaven.repo.local="$repo" dependency:get -Dartifact="$artifact:$version" >/dev/null 2>&1 || true
    done
    missing=()
    for path in "${jars[@]}"; do [[ -f "$path" ]] || missing+=("$path"); done
  fi
  if ((${#missing[@]})); then
    echo "nlink: execution.js runs interpreted: the Graal compiler jars are not in $repo (${missing[0]##*/} missing; NLINK_TRUFFLE_JIT=off hides this)" >&2
    return 0
  fi
  flags=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$(
    IFS=:
    echo "${jars[*]}"
  )")
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/nlink"
  stamp="$cache/jvmci-ok-$(echo "$JAVA_HOME ${jars[*]}" | cksum | cut -d' ' -f1)"
  if [[ ! -f "$stamp" ]]; then
    if ! "$JAVA_HOME/bin/java" "${flags[@]}" -version >/dev/null 2>&1; then
      echo "nlink: execution.js runs interpreted: $JAVA_HOME refused the JVMCI flags for the Graal compiler $version (NLINK_TRUFFLE_JIT=off hides this)" >&2
      return 0
    fi
    mkdir -p "$cache" && : >"$stamp"
  fi
  NLINK_TRUFFLE_JIT_FLAGS=("${flags[@]}")
}

nlink_pick_java() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [[ -n "$candidate" && -x "$candidate/bin/javac" ]] || continue
    major="$(nlink_java_major "$candidate/bin/java")"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if [[ "$candidate" == "${JAVA_HOME:-}" && "$major" -ge 21 ]]; then
      best="$candidate"
      break
    fi
    if ((major >= 21 && major > best_major)); then
      best="$candidate"
      best_major="$major"
    fi
  done
  if [[ -z "$best" ]] && command -v javac >/dev/null 2>&1; then
    candidate="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    major="$(nlink_java_major "$candidate/bin/java")"
    [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)) && best="$candidate"
  fi
  if [[ -z "$best" ]]; then
    echo "nlink: a JDK 21 or newer is needed (found none in \$JAVA_HOME, /usr/lib/jvm or PATH)." >&2
    echo "nlink: install one (for example Temurin 21+) and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven's bundled Guava trips JDK 24+'s sun.misc.Unsafe warning on every run; silence it.
  if (($(nlink_java_major "$JAVA_HOME/bin/java") >= 24)); then
    case " ${MAVEN_OPTS:-} " in *sun-misc-unsafe*) ;; *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;; esac
  fi
}
