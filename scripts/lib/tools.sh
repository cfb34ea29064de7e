# Test tools that Debian does not package, built into the project's own folder. Sourced by
# scripts/test after env.sh; functions print their complaints on stderr and return non-zero.

WSGING_H2SPEC_VERSION=v2.2.1+incompatible

# The go command: on PATH, else the official tarball's place, else Debian's golang-go.
wsging_find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [ -x /usr/local/go/bin/go ]; then
    echo /usr/local/go/bin/go
  else
    wsging_apt_install golang-go >&2 && command -v go
  fi
}

# h2spec (HTTP/2 conformance) into ROOT/target/tools/bin, where tests/e2e/test_h2spec.py looks,
# with Go's module and build caches beside it so nothing lands in the user's home.
wsging_install_h2spec() {
  local root=$1 tools=$1/target/tools go
  [ -x "$tools/bin/h2spec" ] && return 0
  go=$(wsging_find_go) || {
    echo "wsging: error: Go is needed to build h2spec (install golang-go)" >&2
    return 1
  }
  mkdir -p "$tools/bin"
  # -modcacherw: the module cache stays deletable with rm -rf target.
  GOBIN=$tools/bin GOPATH=$tools/go GOCACHE=$tools/go-cache GOFLAGS=-modcacherw \
    "$go" install "github.com/summerwind/h2spec/cmd/h2spec@$WSGING_H2SPEC_VERSION" || {
    echo "wsging: error: could not build h2spec $WSGING_H2SPEC_VERSION with $go" >&2
    return 1
  }
}

# Headless Chromium and its WebDriver, which the browser tests drive through Selenium
# (tests/e2e/chromium.py). Both from Debian, so the driver always matches the browser and
# nothing is downloaded at test time.
wsging_install_chromium() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && return 0
  wsging_apt_install chromium chromium-driver
}

# Autobahn|Testsuite (WebSocket conformance, RFC 6455 and RFC 7692) runs on CPython 2.7 only:
# wstest goes into its own 2.7 virtualenv at ROOT/target/tools/autobahn, where
# tests/e2e/autobahn.py looks, with the package set of scripts/requirements-autobahn.txt. The
# interpreter is pyenv's 2.7.18 unless WSGING_PYTHON27 names another. Current virtualenv cannot
# make 2.7 environments, so a pinned older one runs from a Python 3 venv beside it.
WSGING_PYTHON27=${WSGING_PYTHON27:-${HOME:-/root}/.pyenv/versions/2.7.18/bin/python}
WSGING_VIRTUALENV_VERSION=20.21.1

# True when wstest is installed from the current requirements file (a copy is kept beside it).
wsging_autobahn_installed() {
  local root=$1 venv=$1/target/tools/autobahn
  [ -x "$venv/bin/wstest" ] && cmp -s "$root/scripts/requirements-autobahn.txt" "$venv/requirements-autobahn.txt"
}

wsging_install_autobahn() {
  local root=$1 tools=$1/target/tools
  local venv=$tools/autobahn builder=$tools/virtualenv requirements=$1/scripts/requirements-autobahn.txt
  wsging_autobahn_installed "$root" && return 0
  if ! [ -x "$WSGING_PYTHON27" ]; then
    echo "wsging: error: Autobahn|Testsuite needs CPython 2.7, not found at $WSGING_PYTHON27 (set WSGING_PYTHON27)" >&2
    return 1
  fi
  if ! [ -x "$builder/bin/virtualenv" ]; then
    rm -rf "$builder"
    python3 -m venv "$builder" &&
      "$builder/bin/python" -m pip install -q --disable-pip-version-check "virtualenv==$WSGING_VIRTUALENV_VERSION" || {
      rm -rf "$builder"
      echo "wsging: error: could not install virtualenv $WSGING_VIRTUALENV_VERSION into $builder" >&2
      return 1
    }
  fi
  # A half-made environment from an interrupted install is not trusted: start again.
  rm -rf "$venv"
  "$builder/bin/virtualenv" -q -p "$WSGING_PYTHON27" "$venv" >/dev/null || {
    echo "wsging: error: could not create a CPython 2.7 virtualenv at $venv" >&2
    return 1
  }
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-python-version-warning -r "$requirements" &&
    "$venv/bin/wstest" --autobahnversion >/dev/null || {
    echo "wsging: error: could not install Autobahn|Testsuite from $requirements into $venv" >&2
    return 1
  }
  cp "$requirements" "$venv/requirements-autobahn.txt"
}
