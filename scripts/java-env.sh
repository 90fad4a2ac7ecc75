# Sourced by every nLink script: picks a JDK >= 21 for the build and the CLI, since the default
# `java` on our machines is 17. Order: $JAVA_HOME if new enough, then the newest JDK in
# /usr/lib/jvm, then `java` on PATH. Prints why and returns 1 when there is none.

nlink_java_major() { # $1: path to a java binary
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
nlink_jvm_flags() {
  NLINK_JVM_FLAGS=(-XX:-DontCompileHugeMethods --enable-native-access=ALL-UNNAMED
    --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED)
  if (( $(nlink_java_major "$JAVA_HOME/bin/java") >= 24 )); then
    NLINK_JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow)
  fi
}

nlink_pick_java() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [[ -n "$candidate" && -x "$candidate/bin/javac" ]] || continue
    major="$(nlink_java_major "$candidate/bin/java")"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if [[ "$candidate" == "${JAVA_HOME:-}" && "$major" -ge 21 ]]; then best="$candidate"; break; fi
    if (( major >= 21 && major > best_major )); then best="$candidate"; best_major="$major"; fi
  done
  if [[ -z "$best" ]] && command -v javac >/dev/null 2>&1; then
    candidate="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    major="$(nlink_java_major "$candidate/bin/java")"
    [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 21 )) && best="$candidate"
  fi
  if [[ -z "$best" ]]; then
    echo "nlink: a JDK 21 or newer is needed (found none in \$JAVA_HOME, /usr/lib/jvm or PATH)." >&2
    echo "nlink: install one (for example Temurin 21+) and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven's bundled Guava trips JDK 24+'s sun.misc.Unsafe warning on every run; silence it.
  if (( $(nlink_java_major "$JAVA_HOME/bin/java") >= 24 )); then
    case " ${MAVEN_OPTS:-} " in *sun-misc-unsafe*) ;; *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;; esac
  fi
}
