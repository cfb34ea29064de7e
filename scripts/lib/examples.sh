# shellcheck shell=bash
# The virtualenvs of the example projects (target/venvs/PROJECT) and of the framework apps the
# end-to-end tests serve (target/venvs/asgi-frameworks), made before the tests so that their
# time bounds measure serving, not downloading from PyPI.

# wsging_prepare_example_venvs ROOT PYTHON: one virtualenv for each examples/*/requirements.txt
# and for tests/e2e/apps/asgi_frameworks, made or brought up to date by
# tests/e2e/example_venvs.py (which the tests call too), with PYTHON, the test environment's
# interpreter.
wsging_prepare_example_venvs() {
  local root=$1 python=$2 requirements project status=0
  for requirements in "$root"/examples/*/requirements.txt; do
    [ -f "$requirements" ] || continue
    project=$(basename "$(dirname "$requirements")")
    echo "==> example virtualenv target/venvs/$project"
    (cd "$root/tests/e2e" &&
      "$python" -c 'import sys; from example_venvs import example_python; example_python(sys.argv[1])' "$project") ||
      status=1
  done
  echo "==> framework apps' virtualenv target/venvs/asgi-frameworks"
  (cd "$root/tests/e2e" &&
    "$python" -c 'from pathlib import Path; from example_venvs import venv_python
venv_python(Path("apps/asgi_frameworks/requirements.txt").resolve(), "asgi-frameworks")') || status=1
  return $status
}
