# Shared by ./wsging and scripts/test: find or install what building and running wsging needs.
# Sourced, not run. Every function prints its complaints on stderr as one `wsging: ...` line and
# returns non-zero; the caller decides whether that ends the run.

WSGING_MIN_JAVA=21

# Major version of the JDK at $1, read from its `release` file ("17.0.15" -> 17, "1.8.0" -> 8).
wsging_java_major() {
  local version
  version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release" 2>/dev/null) || return 1
  [ -n "$version" ] || return 1
  version=${version#1.}
  printf '%s\n' "${version%%[.+_-]*}"
}

# Sets JAVA_HOME to a JDK >= 21: JAVA_HOME itself when it qualifies, else the newest JDK under
# /usr/lib/jvm (WSGING_JVM_ROOT). Debian 12 ships only JDK 17, so nothing is installed here: we
# say what is needed.
wsging_find_jdk() {
  local major best="" best_major=0 dir jvm_root=${WSGING_JVM_ROOT:-/usr/lib/jvm}
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(wsging_java_major "$JAVA_HOME") || major=0
    if [ "$major" -ge "$WSGING_MIN_JAVA" ]; then
      export JAVA_HOME
      return 0
    fi
  fi
  for dir in "$jvm_root"/*; do
    [ -x "$dir/bin/java" ] || continue
    major=$(wsging_java_major "$dir") || continue
    if [ "$major" -gt "$best_major" ]; then
      best=$dir
      best_major=$major
    fi
  done
  if [ "$best_major" -lt "$WSGING_MIN_JAVA" ]; then
    echo "wsging: error: no JDK $WSGING_MIN_JAVA or newer found (set JAVA_HOME to one, or install one under $jvm_root)" >&2
    return 1
  fi
  export JAVA_HOME=$best
}

# Installs a Debian package set when we are root and apt-get exists; otherwise says what to install.
wsging_apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ -z "${WSGING_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
      WSGING_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
  else
    echo "wsging: error: please install: $* (for example: sudo apt-get install $*)" >&2
    return 1
  fi
}

wsging_ensure_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "wsging: Maven is missing; installing it" >&2
  wsging_apt_install maven
}

# True when the server jar is missing or older than any source file or pom.
wsging_server_stale() {
  local root=$1 jar=$1/server/target/wsging-server.jar
  [ -f "$jar" ] || return 0
  [ -n "$(find "$root/pom.xml" "$root/server/pom.xml" "$root/server/src" -newer "$jar" -print -quit 2>/dev/null)" ]
}

# Builds the server jar (tests skipped) when it is stale. A lock keeps two launchers started at
# once from running two Maven builds in one target directory.
wsging_build_server_if_stale() {
  local root=$1 log stamp
  wsging_server_stale "$root" || return 0
  mkdir -p "$root/server/target"
  (
    flock 9
    wsging_server_stale "$root" || exit 0
    wsging_ensure_maven || exit 1
    echo "wsging: building server/target/wsging-server.jar" >&2
    log=$(mktemp)
    stamp=$(mktemp)
    if ! (cd "$root" && mvn -q -B -DskipTests package) >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log" "$stamp"
      echo "wsging: error: the server build failed (output above)" >&2
      exit 1
    fi
    # Date the jar at the build's start: a source saved during the build stays newer than the
    # jar and triggers the next build, and an unchanged tree does not rebuild on every start.
    touch -r "$stamp" "$root/server/target/wsging-server.jar"
    rm -f "$log" "$stamp"
  ) 9>"$root/server/target/.build.lock"
}

# Creates the project virtualenv (the default worker interpreter) when it is missing. uvloop is
# a speed-up the worker uses when importable; failing to install it is not an error.
wsging_ensure_venv() {
  local root=$1 venv=$1/.venv
  [ -x "$venv/bin/python" ] && return 0
  if ! command -v python3 >/dev/null 2>&1; then
    echo "wsging: error: python3 (3.9 or newer) is needed for the workers" >&2
    return 1
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
    echo "wsging: error: python3 is $(python3 -V 2>&1); workers need 3.9 or newer" >&2
    return 1
  fi
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    # Debian splits venv support out of python3.
    wsging_apt_install python3-venv && python3 -m venv "$venv" || {
      echo "wsging: error: could not create $venv (python3 -m venv failed)" >&2
      return 1
    }
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --timeout 20 uvloop >/dev/null 2>&1 ||
    echo "wsging: note: uvloop is not available; workers use the default asyncio loop" >&2
  return 0
}

# Builds the worker's optional C accelerator (python/src/wsging/worker/_link_accel.c) for the
# CPython at $2, beside its source, when the built module is missing or older than the source.
# Workers run without it (link.py has the same code in Python), so failing is only a note; it
# needs a C compiler and the interpreter's headers, installed here when missing and possible.
wsging_build_accelerator() {
  local root=$1 python=$2 dir=$1/python/src/wsging/worker info include suffix built tmp
  info=$("$python" -c 'import sys, sysconfig
if sys.implementation.name == "cpython":
    print(sysconfig.get_paths()["include"]); print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null) || return 0
  [ -n "$info" ] || return 0  # another implementation (PyPy): nothing to build
  include=${info%%$'\n'*}
  suffix=${info#*$'\n'}
  built=$dir/_link_accel$suffix
  [ -f "$built" ] && [ ! "$dir/_link_accel.c" -nt "$built" ] && return 0
  if ! command -v cc >/dev/null 2>&1 || [ ! -f "$include/Python.h" ]; then
    # Debian's python3-dev holds the system interpreter's headers (other builds ship theirs).
    wsging_apt_install gcc python3-dev 2>/dev/null || true
  fi
  if ! command -v cc >/dev/null 2>&1 || [ ! -f "$include/Python.h" ]; then
    echo "wsging: note: no C compiler or no Python.h for $python; its workers use the link codec in Python" >&2
    return 0
  fi
  # Built under a temporary name and renamed: a worker starting meanwhile never loads half a file.
  tmp=$(mktemp "$dir/.build-XXXXXX") || return 0
  if cc -O2 -shared -fPIC -I"$include" -o "$tmp" "$dir/_link_accel.c" 2>"$tmp.log"; then
    mv -f "$tmp" "$built"
  else
    echo "wsging: note: the link accelerator did not build for $python; its workers use the link codec in Python:" >&2
    cat "$tmp.log" >&2
    rm -f "$tmp"
  fi
  rm -f "$tmp.log"
  return 0
}
