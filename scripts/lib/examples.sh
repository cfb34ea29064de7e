# shellcheck shell=bash
# The example projects' virtualenvs (target/venvs/PROJECT), made before the end-to-end tests
# so that their tests' time bounds measure serving, not downloading from PyPI.

# wsging_prepare_example_venvs ROOT PYTHON: one virtualenv for each examples/*/requirements.txt,
# made or brought up to date by tests/e2e/example_venvs.py (which the tests call too), with
# PYTHON, the test environment's interpreter.
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
  return $status
}
