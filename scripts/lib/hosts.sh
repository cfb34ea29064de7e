# shellcheck shell=bash
# The virtualenv of the other servers (gunicorn, uWSGI, mod_wsgi, uvicorn, hypercorn, granian,
# daphne) that host WSGI-NG applications in the tests and the conformance runs: it is kept apart
# from the serving .venv, so nothing a test needs hides what an application must bring itself.
# Needs env.sh (wsging_apt_install).

wsging_hosts_venv() {
  local root=$1 venv=$1/target/venv-hosts req=$1/tests/hosts/requirements.txt
  local stamp=$venv/.requirements
  if [ -x "$venv/bin/python" ] && cmp -s "$req" "$stamp"; then
    return 0
  fi
  # mod_wsgi compiles against apxs from Apache's development package.
  command -v apxs >/dev/null 2>&1 || wsging_apt_install apache2-dev || return 1
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || return 1
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" || return 1
  cp "$req" "$stamp"
}
