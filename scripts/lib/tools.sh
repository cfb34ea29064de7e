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
