# shellcheck shell=bash
# What scripts/conformance needs beyond the hosts' virtualenv (hosts.sh): mod_wsgi in a
# virtualenv of its own on the system's Python 3. Apache started by root runs its children and
# the mod_wsgi daemon as nobody, who cannot read a Python installed under /root (pyenv), so
# the venv is built from /usr/bin/python3 and mod_wsgi compiled against it (never from pip's
# wheel cache, which may hold a build linked to another libpython). Needs env.sh
# (wsging_apt_install).

wsging_mod_wsgi_venv() {
  local root=$1 venv=$1/target/venv-mod-wsgi
  local version
  version=$(sed -n 's/^mod_wsgi==//p' "$root/tests/hosts/requirements.txt")
  if [ -x "$venv/bin/mod_wsgi-express" ] && [ "$(cat "$venv/.version" 2>/dev/null)" = "$version" ]; then
    return 0
  fi
  command -v apxs >/dev/null 2>&1 || wsging_apt_install apache2-dev || return 1
  compgen -G '/usr/include/python3*/Python.h' >/dev/null || wsging_apt_install python3-dev python3-venv || return 1
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" || return 1
  "$venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check "mod_wsgi==$version" || return 1
  chmod -R o+rX "$venv"
  echo "$version" >"$venv/.version"
}
