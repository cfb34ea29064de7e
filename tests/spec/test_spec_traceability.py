"""The WSGI-NG specification keeps its promises about itself (spec/wsgi-ng.md section 18).

- every test the spec cites exists: pytest `path.py::test_name` (functions, class methods,
  parametrized ones) and JUnit `ClassName#method` (`@Test`/`@ParameterizedTest` methods);
- every `[MUST-...]` id of the text has a row in the table of 18.2 that names an existing test
  or says honestly why not (planned, not met yet, application obligation); none is `TODO-test`;
- every MUST of the normative text carries an id;
- every requirement id of the brief (R1-R10, C2-C4, N1, W1-W13) has a row in 18.1;
- every ```python block marked `<!-- example: runnable -->` runs and passes.
"""
from __future__ import annotations

import ast
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "wsgi-ng.md"
PYTEST_ROOTS = ("python/tests/", "tests/e2e/", "tests/spec/", "bench/tests/")
JAVA_TESTS = ROOT / "server" / "src" / "test" / "java"
REQUIREMENT_IDS = (
    [f"R{n}" for n in range(1, 11)] + ["C2", "C3", "C4", "N1"] + [f"W{n}" for n in range(1, 14)]
)
# A row of 18.2 that cites no test must say why, with one of these (and a reason after it).
NO_TEST_STATUSES = ("planned", "not met yet", "application obligation")

PYTEST_CITATION = re.compile(r"`([\w./-]+\.py)::([\w:]+)(?:\[[^\]`]*\])?`")
JUNIT_CITATION = re.compile(r"`([A-Z]\w*)#(\w+)`")
MUST_ID = re.compile(r"\[(MUST-[A-Z0-9]+-\d+)\]")
MUST_ROW = re.compile(r"^\| `(MUST-[A-Z0-9]+-\d+)` \|(.*)\|\s*$")
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
    for status in NO_TEST_STATUSES:
        if verified_by.startswith(status):
            reason = verified_by[len(status):].strip(" :()-—")
            return None if reason or status == "application obligation" else f"{must}: {status} without a reason"
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
    assert must_row_problem("MUST-X-1", "`python/tests/test_body.py::test_read_all`") is None


NORMATIVE = re.compile(r"\b(MUST|REQUIRED|SHALL)\b")
MUST_REFERENCE = re.compile(r"MUST-[A-Z0-9]+-\d+")  # "(MUST-RESP-3)" refers to a MUST stated elsewhere


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
