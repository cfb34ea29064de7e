"""The WSGI-NG specification keeps its promises about itself (spec/wsgi-ng.md section 18).

- every test the spec cites exists: pytest `path.py::test_name` (functions, class methods,
  parametrized ones) and JUnit `ClassName#method` (`@Test`/`@ParameterizedTest` methods);
- no test the spec cites is skipped here: pytest skip/skipif/xfail marks (on the test, its
  class or its module) evaluated by a real collection, a `pytest.skip()` in the test's own
  body, a `pytest.importorskip()` of a missing module or a `require_tool()` of a missing tool
  outside CI; JUnit `@Disabled...` on the method or its class, and a method the latest
  surefire report (when one newer than the test's source exists) shows as skipped;
- every `[MUST-...]` id of the text has a row in the table of 18.2 that names an existing test
  or says honestly why not (planned, not met yet); none is `TODO-test`, and none excuses a MUST
  as an "application obligation" (such a rule is a SHOULD);
- every MUST of the normative text carries an id;
- every requirement id of the brief (R1-R10, C2-C4, N1, W1-W13) has a row in 18.1;
- every ```python block marked `<!-- example: runnable -->` runs and passes.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "wsgi-ng.md"
# Collected one root at a time: the two host suites each have a conftest of their own.
PYTEST_ROOTS = ("python/tests/", "tests/e2e/", "tests/hosts/wsgi/", "tests/hosts/asgi/",
                "tests/conformance/", "tests/spec/", "bench/tests/")
JAVA_TESTS = ROOT / "server" / "src" / "test" / "java"
SUREFIRE_REPORTS = ROOT / "server" / "target" / "surefire-reports"
REQUIREMENT_IDS = (
    [f"R{n}" for n in range(1, 11)] + ["C2", "C3", "C4", "N1"] + [f"W{n}" for n in range(1, 14)]
)
# A row of 18.2 that cites no test must say why, with one of these (and a reason after it). A
# rule only applications can keep is a SHOULD (spec 18.2), so "application obligation" is no
# excuse for a MUST.
NO_TEST_STATUSES = ("planned", "not met yet")

PYTEST_CITATION = re.compile(r"`([\w./-]+\.py)::([\w:]+)(?:\[[^\]`]*\])?`")
JUNIT_CITATION = re.compile(r"`([A-Z]\w*)#(\w+)`")
# "MUST-APP-1b": a letter may follow the number, for a rule placed next to another.
MUST_ID = re.compile(r"\[(MUST-[A-Z0-9]+-\d+[a-z]?)\]")
MUST_ROW = re.compile(r"^\| `(MUST-[A-Z0-9]+-\d+[a-z]?)` \|(.*)\|\s*$")
REQUIREMENT_ROW = re.compile(r"^\| ([RCNW]\d+) \|(.*)\|\s*$")


def spec_text() -> str:
    return SPEC.read_text(encoding="utf-8")


def spec_lines() -> List[str]:
    return spec_text().splitlines()


def section(title_prefix: str) -> Tuple[int, List[str]]:
    """(first line number, lines) of the section whose heading starts with `title_prefix`."""
    lines = spec_lines()
    start = next(
        (i for i, line in enumerate(lines) if re.match(rf"#+ {re.escape(title_prefix)}", line)), None
    )
    assert start is not None, f"spec/wsgi-ng.md has no section {title_prefix!r}"
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].startswith("#") and len(lines[i]) - len(lines[i].lstrip("#")) <= level
        ),
        len(lines),
    )
    return start + 1, lines[start:end]


# -- finding tests ----------------------------------------------------------------------------


@lru_cache(maxsize=None)
def pytest_names(relative: str) -> Set[str]:
    """`name` and `Class::name` for every test function of a pytest module."""
    tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"), filename=relative)
    names: Set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    names.add(f"{node.name}::{item.name}")
    return names


def pytest_problem(relative: str, name: str) -> Optional[str]:
    if not relative.startswith(PYTEST_ROOTS):
        return f"{relative}::{name}: not under {', '.join(PYTEST_ROOTS)}"
    if not (ROOT / relative).is_file():
        return f"{relative}::{name}: no such file"
    if not Path(relative).name.startswith("test_"):
        return f"{relative}::{name}: not a pytest module (test_*.py)"
    if name not in pytest_names(relative):
        return f"{relative}::{name}: no such test function"
    return None


def strip_java_comments(source: str) -> str:
    """Java source with comments blanked out, string and char literals (text blocks too) kept."""
    out: List[str] = []
    i, n = 0, len(source)
    while i < n:
        if source.startswith('"""', i):
            end = source.find('"""', i + 3)
            end = n if end < 0 else end + 3
            out.append(source[i:end])
            i = end
        elif source[i] in "\"'":
            quote, j = source[i], i + 1
            while j < n and source[j] != quote:
                j += 2 if source[j] == "\\" else 1
            out.append(source[i : j + 1])
            i = j + 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(" " * (end - i))
            i = end
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


TEST_ANNOTATION = re.compile(r"@(?:org\.junit\.jupiter\.api\.|org\.junit\.jupiter\.params\.)?(Test|ParameterizedTest)\b")
METHOD_AFTER = re.compile(r"\bvoid\s+(\w+)\s*\(")


@lru_cache(maxsize=None)
def junit_methods() -> Dict[str, Set[str]]:
    """Test methods by simple class name, for every class under server/src/test/java. Only
    methods declared directly in a class's body count (not those of classes nested in it)."""
    found: Dict[str, Set[str]] = {}
    for path in sorted(JAVA_TESTS.rglob("*.java")):
        source = strip_java_comments(path.read_text(encoding="utf-8"))
        depth_at = []  # brace depth before each character
        depth = 0
        for ch in source:
            depth_at.append(depth)
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
        for match in re.finditer(r"\b(?:class|record|enum|interface)\s+(\w+)[^{;]*\{", source):
            body_depth = depth_at[match.end() - 1] + 1
            end = match.end()
            while end < len(source) and not (source[end] == "}" and depth_at[end] == body_depth):
                end += 1
            methods = found.setdefault(match.group(1), set())
            for annotation in TEST_ANNOTATION.finditer(source, match.end(), end):
                if depth_at[annotation.start()] != body_depth:
                    continue
                method = METHOD_AFTER.search(source, annotation.end(), end)
                if method is not None and depth_at[method.start()] == body_depth:
                    methods.add(method.group(1))
    return found


def junit_problem(cls: str, method: str) -> Optional[str]:
    methods = junit_methods().get(cls)
    if methods is None:
        return f"{cls}#{method}: no class {cls} under server/src/test/java"
    if method not in methods:
        return f"{cls}#{method}: {cls} has no @Test or @ParameterizedTest method {method}"
    return None


def citation_problems(text: str) -> List[str]:
    problems = [pytest_problem(path, name) for path, name in PYTEST_CITATION.findall(text)]
    problems += [junit_problem(cls, method) for cls, method in JUNIT_CITATION.findall(text)]
    return [problem for problem in problems if problem is not None]


def cites_a_test(cell: str) -> bool:
    return bool(PYTEST_CITATION.search(cell) or JUNIT_CITATION.search(cell))


# -- (a) cited tests exist --------------------------------------------------------------------


def test_every_test_the_spec_cites_exists():
    text = spec_text()
    assert PYTEST_CITATION.search(text) and JUNIT_CITATION.search(text), "the spec cites no tests"
    problems = citation_problems(text)
    assert not problems, "spec/wsgi-ng.md cites tests that do not exist:\n" + "\n".join(problems)


def test_no_test_is_cited_without_its_file():
    # A bare `test_name` cannot be checked: pytest names are cited as `path.py::test_name`.
    bare = [
        name
        for name in re.findall(r"(?<![:\w])`(test_\w+)`", spec_text())
    ]
    assert not bare, f"cite these tests as `path/to/test_file.py::name`: {bare}"


def test_the_checker_finds_real_tests_and_rejects_missing_ones():
    # The checks above prove something only if they can fail.
    assert pytest_problem("tests/spec/test_spec_traceability.py", "test_every_test_the_spec_cites_exists") is None
    assert pytest_problem("tests/spec/test_spec_traceability.py", "test_nothing_here") is not None
    assert pytest_problem("python/tests/missing_file.py", "test_x") is not None
    assert pytest_problem("server/Test.py", "test_x") is not None
    some_class, some_methods = next((c, m) for c, m in sorted(junit_methods().items()) if m)
    assert junit_problem(some_class, sorted(some_methods)[0]) is None
    assert junit_problem(some_class, "noSuchMethodAnywhere") is not None
    assert junit_problem("NoSuchTestClass", "x") is not None
    source = strip_java_comments('String s = "//x"; // @Test void gone() {}\n/* @Test void hidden() {} */')
    assert "gone" not in source and "hidden" not in source and '"//x"' in source


# -- (a2) no cited test is skipped here ----------------------------------------------------------


def cited_pytest_tests(text: str) -> Set[Tuple[str, str]]:
    return {
        (path, name)
        for path, name in PYTEST_CITATION.findall(text)
        if pytest_problem(path, name) is None
    }


def cited_junit_tests(text: str) -> Set[Tuple[str, str]]:
    return {
        (cls, method) for cls, method in JUNIT_CITATION.findall(text) if junit_problem(cls, method) is None
    }


def collected_skips(tests: Set[Tuple[str, str]]) -> Tuple[Dict[str, Optional[str]], List[str]]:
    """{node id: why pytest would skip it here, or None} for every collected item of `tests`,
    from one real `pytest --collect-only` per test root (modules of the same name live under
    different roots), and the roots whose collection failed."""
    found: Dict[str, Optional[str]] = {}
    failures: List[str] = []
    by_root: Dict[str, List[str]] = {}
    for path, name in sorted(tests):
        root = next(r for r in PYTEST_ROOTS if path.startswith(r))
        by_root.setdefault(root, []).append(f"{path}::{name}")
    here = Path(__file__).resolve().parent
    for root, node_ids in sorted(by_root.items()):
        out = here / f".cited-skips-{os.getpid()}-{root.strip('/').replace('/', '_')}.json"
        env = dict(os.environ, WSGING_CITED_SKIPS_OUT=str(out))
        env["PYTHONPATH"] = os.pathsep.join(
            [str(here), str(ROOT / "python" / "src")] + [p for p in [env.get("PYTHONPATH")] if p]
        )
        try:
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                 "-p", "cited_skips_plugin", "--rootdir", str(ROOT), *node_ids],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
            )
            if done.returncode != 0 or not out.is_file():
                failures.append(f"collecting {root} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
                continue
            found.update(json.loads(out.read_text(encoding="utf-8")))
        finally:
            if out.exists():
                out.unlink()
    return found, failures


def _call_name(node: ast.AST) -> str:
    """`pytest.skip` / `require_tool` for a call's function, '' for anything else."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            return f"{func.value.id}.{func.attr}"
        if isinstance(func, ast.Name):
            return func.id
    return ""


def _first_string(call: ast.Call) -> Optional[str]:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def cited_function(relative: str, name: str) -> Optional[ast.AST]:
    tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"), filename=relative)
    owner: List[ast.stmt] = tree.body
    *classes, function = name.split("::")
    for cls in classes:
        node = next((n for n in owner if isinstance(n, ast.ClassDef) and n.name == cls), None)
        if node is None:
            return None
        owner = node.body
    return next(
        (n for n in owner if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function),
        None,
    )


def body_skip_problem(relative: str, name: str) -> Optional[str]:
    """Why the test's own body skips it here: a `pytest.skip()` statement of the body itself
    (not under an `if`), or an import/tool it asks for that this machine lacks."""
    function = cited_function(relative, name)
    if function is None:
        return None
    for statement in function.body:  # type: ignore[attr-defined]
        if isinstance(statement, ast.Expr) and _call_name(statement.value) == "pytest.skip":
            return f"{relative}::{name}: its body always calls pytest.skip()"
    for node in ast.walk(function):
        called = _call_name(node)
        if called == "pytest.importorskip":
            module = _first_string(node)  # type: ignore[arg-type]
            if module is not None and importlib.util.find_spec(module) is None:
                return f"{relative}::{name}: skipped here, {module} is not importable"
        elif called == "require_tool" and os.environ.get("CI") != "true":
            tool = _first_string(node)  # type: ignore[arg-type]
            if tool is not None and shutil.which(tool) is None:
                return f"{relative}::{name}: skipped here, {tool} is not installed"
    return None


DISABLED = re.compile(r"@(?:org\.junit\.jupiter\.api\.(?:condition\.)?)?Disabled\w*\b")


@lru_cache(maxsize=None)
def junit_sources() -> Dict[str, Path]:
    return {path.stem: path for path in JAVA_TESTS.rglob("*.java")}


def junit_disabled_problem(cls: str, method: str) -> Optional[str]:
    path = junit_sources().get(cls)
    if path is None:
        return None  # a nested class: its file is named after the outer one
    return junit_disabled_in(strip_java_comments(path.read_text(encoding="utf-8")), cls, method)


def junit_disabled_in(source: str, cls: str, method: str) -> Optional[str]:
    declaration = re.search(rf"\b(?:class|record)\s+{cls}\b", source)
    if declaration is not None:
        before = source[: declaration.start()]
        if DISABLED.search(before[max(before.rfind("}"), before.rfind(";")) + 1 :]):
            return f"{cls}#{method}: the class is @Disabled"
    found = re.search(rf"\bvoid\s+{method}\s*\(", source)
    if found is not None:
        before = source[: found.start()]
        # The annotations of this method: what follows the previous member's end.
        if DISABLED.search(before[max(before.rfind("}"), before.rfind(";")) + 1 :]):
            return f"{cls}#{method}: the method is @Disabled"
    return None


def surefire_skipped(reports: Path = SUREFIRE_REPORTS) -> Dict[Tuple[str, str], bool]:
    """{(simple class name, method): skipped in every run of it} from surefire reports newer
    than the class's source (older ones say nothing about the code as it is)."""
    result: Dict[Tuple[str, str], bool] = {}
    if not reports.is_dir():
        return result
    sources = junit_sources()
    for report in sorted(reports.glob("TEST-*.xml")):
        try:
            root = ElementTree.parse(report).getroot()
        except ElementTree.ParseError:
            continue
        for case in root.iter("testcase"):
            cls = case.get("classname", "").rsplit(".", 1)[-1].split("$")[-1]
            source = sources.get(cls)
            if source is None or report.stat().st_mtime < source.stat().st_mtime:
                continue
            method = re.split(r"[(\[]", case.get("name", ""), maxsplit=1)[0]
            skipped = case.find("skipped") is not None
            key = (cls, method)
            result[key] = result.get(key, True) and skipped
    return result


def skip_problems(text: str, reports: Path = SUREFIRE_REPORTS) -> List[str]:
    problems: List[str] = []
    tests = cited_pytest_tests(text)
    found, failures = collected_skips(tests)
    problems += failures
    for path, name in sorted(tests):
        prefix = f"{path}::{name}"
        items = {node: why for node, why in found.items() if node == prefix or node.startswith(prefix + "[")}
        skipped = sorted(f"{node}: {why}" for node, why in items.items() if why is not None)
        if skipped:
            problems.extend(skipped)
        elif not items and not failures:
            problems.append(f"{prefix}: collected nothing")
        else:
            problem = body_skip_problem(path, name)
            if problem is not None:
                problems.append(problem)
    skipped_runs = surefire_skipped(reports)
    for cls, method in sorted(cited_junit_tests(text)):
        problem = junit_disabled_problem(cls, method)
        if problem is None and skipped_runs.get((cls, method)):
            problem = f"{cls}#{method}: skipped in the latest surefire report (an assumption failed?)"
        if problem is not None:
            problems.append(problem)
    return problems


@pytest.mark.timeout(600)
def test_no_cited_test_is_skipped_here():
    problems = skip_problems(spec_text())
    assert not problems, "spec/wsgi-ng.md cites tests that would not run here:\n" + "\n".join(problems)


SKIPPING_MODULE = '''
import os
import pytest

pytestmark = pytest.mark.skipif(os.sep == "/", reason="module skipped on this OS")


def test_module_skipped():
    assert True
'''

SKIPPING_TESTS = '''
import pytest


@pytest.mark.skip(reason="broken")
def test_marked_skip():
    assert True


@pytest.mark.skipif("1 + 1 == 2", reason="always here")
def test_marked_skipif_true():
    assert True


@pytest.mark.skipif(False, reason="never")
def test_marked_skipif_false():
    assert True


@pytest.mark.xfail(reason="known bug")
def test_marked_xfail():
    assert False


@pytest.mark.parametrize("x", [1, pytest.param(2, marks=pytest.mark.skip(reason="one case"))])
def test_one_case_skipped(x):
    assert x


def test_body_skips():
    pytest.skip("not today")


def test_body_skips_for_a_missing_module():
    pytest.importorskip("no_such_module_anywhere_xyz")


def test_body_skips_only_when_told():
    if __name__ == "never":
        pytest.skip("conditional")
    assert True


def test_runs():
    assert True
'''


def test_the_skip_checker_finds_skipped_tests_and_passes_running_ones(tmp_path):
    # The check above proves something only if it can fail: cited tests that skip in each
    # way, in a throwaway module under tests/spec (a pytest root the checker accepts).
    here = Path(__file__).resolve().parent
    modules = {
        here / f"test_zz_skip_probe_{os.getpid()}.py": SKIPPING_TESTS,
        here / f"test_zz_skip_module_{os.getpid()}.py": SKIPPING_MODULE,
    }
    try:
        for path, source in modules.items():
            path.write_text(source, encoding="utf-8")
        pytest_names.cache_clear()
        probe, module = (f"tests/spec/{path.name}" for path in modules)
        cite = lambda path, name: f"`{path}::{name}`"  # noqa: E731
        problems = "\n".join(skip_problems(" ".join([
            cite(probe, name) for name in (
                "test_marked_skip", "test_marked_skipif_true", "test_marked_skipif_false",
                "test_marked_xfail", "test_one_case_skipped", "test_body_skips",
                "test_body_skips_for_a_missing_module", "test_body_skips_only_when_told", "test_runs",
            )
        ] + [cite(module, "test_module_skipped")]), reports=tmp_path))
    finally:
        for path in modules:
            path.unlink()
        pytest_names.cache_clear()
    for name in ("test_marked_skip", "test_marked_skipif_true", "test_marked_xfail", "test_one_case_skipped[2]",
                 "test_body_skips", "test_body_skips_for_a_missing_module", "test_module_skipped"):
        assert f"::{name}:" in problems, (name, problems)
    for name in ("test_marked_skipif_false", "test_body_skips_only_when_told", "test_runs", "test_one_case_skipped[1]"):
        assert f"::{name}:" not in problems, (name, problems)


def test_the_junit_skip_checker_reads_disabled_and_skipped_runs(tmp_path):
    some_class, some_methods = next((c, m) for c, m in sorted(junit_methods().items()) if m)
    method = sorted(some_methods)[0]
    assert junit_disabled_problem(some_class, method) is None
    reports = tmp_path / "surefire-reports"
    reports.mkdir()
    (reports / f"TEST-org.example.{some_class}.xml").write_text(
        f'<testsuite><testcase name="{method}" classname="org.example.{some_class}">'
        '<skipped message="assumption failed"/></testcase></testsuite>',
        encoding="utf-8",
    )
    assert surefire_skipped(reports)[(some_class, method)] is True
    source = "class T {\n  @Test\n  void fine() {}\n  @Disabled(\"flaky\")\n  @Test\n  void off() {}\n}"
    assert junit_disabled_in(source, "T", "fine") is None
    assert junit_disabled_in(source, "T", "off") is not None
    whole = "import x;\n@Disabled\nclass T {\n  @Test\n  void fine() {}\n}"
    assert junit_disabled_in(whole, "T", "fine") is not None


# -- (b) every MUST has a row that names a test or says why not ---------------------------------


def must_rows() -> Dict[str, str]:
    rows: Dict[str, str] = {}
    _, lines = section("18.2")
    for line in lines:
        match = MUST_ROW.match(line)
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} has two rows in 18.2"
            rows[match.group(1)] = match.group(2).split("|")[-1].strip()
    return rows


def must_ids_in_text() -> Set[str]:
    _, table = section("18.2")
    text = spec_text()
    for line in table:
        text = text.replace(line, "")
    return set(MUST_ID.findall(text))


def test_every_must_id_has_one_row_and_every_row_a_must():
    in_text, rows = must_ids_in_text(), set(must_rows())
    assert in_text, "no [MUST-...] ids found"
    assert not in_text - rows, f"MUST ids without a row in 18.2: {sorted(in_text - rows)}"
    assert not rows - in_text, f"rows in 18.2 for MUST ids the text does not use: {sorted(rows - in_text)}"


def must_row_problem(must: str, verified_by: str) -> Optional[str]:
    if "TODO" in verified_by:
        return f"{must}: still TODO-test ({verified_by})"
    if cites_a_test(verified_by):
        return None
    if verified_by.startswith("application obligation"):
        return f"{must}: a rule no server test can verify is a SHOULD, not a MUST (spec 18.2)"
    for status in NO_TEST_STATUSES:
        if verified_by.startswith(status):
            reason = verified_by[len(status):].strip(" :()-—")
            return None if reason else f"{must}: {status} without a reason"
    return f"{must}: names no test and is not marked {' / '.join(NO_TEST_STATUSES)} ({verified_by!r})"


def test_every_must_names_an_existing_test_or_says_why_not():
    problems = [must_row_problem(must, cell) for must, cell in sorted(must_rows().items())]
    problems = [p for p in problems if p is not None]
    problems += citation_problems("\n".join(section("18.2")[1]))
    assert not problems, "spec 18.2:\n" + "\n".join(problems)


def test_the_row_checker_rejects_rows_without_evidence():
    assert must_row_problem("MUST-X-1", "TODO-test") is not None
    assert must_row_problem("MUST-X-1", "`python/tests/test_body.py::test_read_all`; rest: TODO-test") is not None
    assert must_row_problem("MUST-X-1", "planned") is not None
    assert must_row_problem("MUST-X-1", "") is not None
    assert must_row_problem("MUST-X-1", "planned (issue: HTTP/2)") is None
    assert must_row_problem("MUST-X-1", "application obligation") is not None
    assert MUST_ID.findall("[MUST-APP-1b] and [MUST-APP-2]") == ["MUST-APP-1b", "MUST-APP-2"]
    assert must_row_problem("MUST-X-1", "`python/tests/test_body.py::test_read_all`") is None


NORMATIVE = re.compile(r"\b(MUST|REQUIRED|SHALL)\b")
MUST_REFERENCE = re.compile(r"MUST-[A-Z0-9]+-\d+[a-z]?")  # "(MUST-RESP-3)" refers to a MUST stated elsewhere


def normative_blocks() -> List[Tuple[int, str]]:
    """(line, text) of each paragraph, list item and table row of sections 4 to 17."""
    lines = spec_lines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## 4. "))
    end = next(i for i, line in enumerate(lines) if line.startswith("## 18. "))
    blocks: List[Tuple[int, str]] = []
    current: List[str] = []
    first = start
    in_code = False

    def flush() -> None:
        if current:
            blocks.append((first + 1, " ".join(current)))
            current.clear()

    for i in range(start, end):
        line = lines[i]
        if line.startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            continue
        starts_block = not line.strip() or line.startswith(("- ", "| ", "#", "1. ", "2. "))
        if starts_block:
            flush()
        if line.strip():
            if not current:
                first = i
            current.append(line.strip())
            if line.startswith(("| ", "#")):
                flush()
    flush()
    return blocks


def test_every_normative_must_carries_an_id():
    missing = [
        f"line {line}: {text[:100]}"
        for line, text in normative_blocks()
        if NORMATIVE.search(MUST_REFERENCE.sub("", text)) and not MUST_ID.search(text)
    ]
    assert not missing, "MUSTs without a [MUST-...] id:\n" + "\n".join(missing)


# -- (c) every requirement of the brief has a row --------------------------------------------------


def requirement_rows() -> Dict[str, List[str]]:
    rows: Dict[str, List[str]] = {}
    _, lines = section("18.1")
    for line in lines:
        match = REQUIREMENT_ROW.match(line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def test_every_requirement_of_the_brief_has_a_row():
    rows = requirement_rows()
    missing = [rid for rid in REQUIREMENT_IDS if rid not in rows]
    assert not missing, f"requirements without a row in 18.1: {missing}"
    unknown = sorted(set(rows) - set(REQUIREMENT_IDS))
    assert not unknown, f"rows in 18.1 for ids the brief does not have: {unknown}"


def test_every_requirement_row_names_sections_tests_and_an_honest_status():
    problems = []
    for rid, cells in requirement_rows().items():
        if len(cells) != 4:
            problems.append(f"{rid}: expected 4 cells after the id, got {len(cells)}")
            continue
        _requirement, sections, tests, status = cells
        if not sections:
            problems.append(f"{rid}: no spec section")
        if "TODO" in tests or "TODO" in status:
            problems.append(f"{rid}: TODO left ({tests} / {status})")
        if not cites_a_test(tests) and not status.startswith(
            ("planned", "partial", "met by design", "met (design record)", "not met")
        ):
            problems.append(f"{rid}: no test and no status saying why ({status!r})")
        if not status:
            problems.append(f"{rid}: no status")
    problems += citation_problems("\n".join(section("18.1")[1]))
    assert not problems, "spec 18.1:\n" + "\n".join(problems)


# -- (d) the runnable examples run ------------------------------------------------------------


def examples() -> List[Tuple[int, str, str]]:
    """(line of the code, marker, code) of every ```python block, with the marker above it."""
    lines = spec_lines()
    found = []
    for i, line in enumerate(lines):
        if line.strip() != "```python":
            continue
        marker_line = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = re.match(r"<!-- example: (\w+) -->", marker_line.strip())
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        found.append((i + 2, marker.group(1) if marker else "", "\n".join(lines[i + 1 : end])))
    return found


def test_every_python_example_is_marked_runnable_or_planned():
    unmarked = [line for line, marker, _ in examples() if marker not in ("runnable", "planned")]
    assert not unmarked, f"```python blocks without <!-- example: runnable|planned --> at lines {unmarked}"
    assert any(marker == "runnable" for _, marker, _ in examples()), "no runnable example"


RUNNABLE = [(line, code) for line, marker, code in examples() if marker == "runnable"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("line, code", RUNNABLE, ids=[f"line {line}" for line, _ in RUNNABLE])
def test_runnable_example(line, code):
    src = str(ROOT / "python" / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    # Blank lines in front keep the spec's line numbers in tracebacks.
    compiled = compile("\n" * (line - 1) + code, str(SPEC), "exec")
    exec(compiled, {"__name__": f"spec_example_line_{line}"})


def test_planned_examples_at_least_parse():
    for line, marker, code in examples():
        if marker == "planned":
            compile("\n" * (line - 1) + code, str(SPEC), "exec")
