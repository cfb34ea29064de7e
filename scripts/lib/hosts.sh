# shellcheck shell=bash
# The virtualenvs of the other servers that host WSGI-NG applications in the tests and the
# conformance runs, kept apart from the serving .venv, so nothing a test needs hides what an
# application must bring itself. Needs env.sh (wsging_apt_install).

# target/venv-hosts: gunicorn, uWSGI, uvicorn, hypercorn, granian, daphne, and the WSGI
# middleware the tests wrap around applications.

wsging_hosts_venv() {
  local root=$1 venv=$1/target/venv-hosts req=$1/tests/hosts/requirements.txt
  local stamp=$venv/.requirements
  if [ -x "$venv/bin/python" ] && cmp -s "$req" "$stamp"; then
    return 0
  fi
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || return 1
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" || return 1
  cp "$req" "$stamp"
}

# target/venv-modwsgi: mod_wsgi-express, with Apache's server (Debian's apache2-bin) and the
# development files it is built with (apache2-dev for apxs, python3-dev), against the system
# Python: Apache's children and mod_wsgi's daemon run as nobody when the tests run as root,
# and nobody must be able to read the interpreter's standard library, which a Python under
# /root is not.
wsging_modwsgi_venv() {
  local root=$1 venv=$1/target/venv-modwsgi
  local pin
  pin=$(grep -i '^mod_wsgi==' "$root/tests/hosts/requirements-modwsgi.txt") || return 1
  [ -x /usr/sbin/apache2 ] || wsging_apt_install apache2-bin || return 1
  command -v apxs >/dev/null 2>&1 || wsging_apt_install apache2-dev || return 1
  compgen -G '/usr/include/python3*/Python.h' >/dev/null || wsging_apt_install python3-dev python3-venv || return 1
  if [ -x "$venv/bin/mod_wsgi-express" ] && [ "$(cat "$venv/.pin" 2>/dev/null)" = "$pin" ]; then
    return 0
  fi
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv" || return 1
  # A clean environment and no wheel cache: with a pyenv Python first on PATH, mod_wsgi's build
  # links against that Python's library (its RUNPATH), which the unprivileged daemon cannot
  # load, and a cached wheel may be such a build.
  env -i HOME="$HOME" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir "$pin" || return 1
  chmod -R o+rX "$venv"  # read by Apache's unprivileged children
  echo "$pin" >"$venv/.pin"
}
