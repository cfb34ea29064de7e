"""The API the specification documents (spec/wsgi-ng.md 17.1) is the API the package ships:
the same exported names, constructor signatures, public members and method signatures."""
from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "wsgi-ng.md"
SRC = str(ROOT / "python" / "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

import wsging  # noqa: E402

ROW = re.compile(r"^\| `(wsging(?:\.\w+)+)` \| (.*?) \| (.*?) \|\s*$")
MEMBER = re.compile(r"`(\w+)(\(.*?\))?`")


def api_rows() -> Dict[str, Tuple[Optional[str], List[Tuple[str, Optional[str]]]]]:
    """dotted name -> (constructor call or None, [(member, signature or None)])."""
    text = SPEC.read_text(encoding="utf-8")
    start = text.index("### 17.1 ")
    end = text.index("\n## ", start)
    rows = {}
    for line in text[start:end].splitlines():
        match = ROW.match(line)
        if match:
            name, constructor, members = match.groups()
            call = constructor.strip("`") if constructor.startswith("`") else None
            rows[name] = (call, [(m, sig or None) for m, sig in MEMBER.findall(members)])
    assert rows, "spec/wsgi-ng.md 17.1 has no API table"
    return rows


def resolve(dotted: str) -> Any:
    module_name, _, attr = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return importlib.import_module(dotted)


def literal(node: ast.expr) -> Any:
    """A default as written: a literal, or an empty frozenset()/set()/tuple() call."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args:
        return {"frozenset": frozenset, "set": set, "tuple": tuple}[node.func.id]()
    return ast.literal_eval(node)


def documented_parameters(call: str) -> List[Tuple[str, str, Any]]:
    """[(name, kind, default)] of `Name(params)` as written in the spec."""
    params = call[call.index("(") :]
    tree = ast.parse(f"def f{params}: pass")
    args = tree.body[0].args  # type: ignore[attr-defined]
    out: List[Tuple[str, str, Any]] = []
    positional = args.posonlyargs + args.args
    defaults = [inspect.Parameter.empty] * (len(positional) - len(args.defaults)) + [
        literal(d) for d in args.defaults
    ]
    out += [(a.arg, "positional", d) for a, d in zip(positional, defaults)]
    if args.vararg:
        out.append((args.vararg.arg, "*args", inspect.Parameter.empty))
    out += [
        (a.arg, "keyword", inspect.Parameter.empty if d is None else literal(d))
        for a, d in zip(args.kwonlyargs, args.kw_defaults)
    ]
    if args.kwarg:
        out.append((args.kwarg.arg, "**kwargs", inspect.Parameter.empty))
    return out


KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
    inspect.Parameter.VAR_POSITIONAL: "*args",
    inspect.Parameter.KEYWORD_ONLY: "keyword",
    inspect.Parameter.VAR_KEYWORD: "**kwargs",
}


def shipped_parameters(function: Any) -> List[Tuple[str, str, Any]]:
    signature = inspect.signature(function)
    return [
        (p.name, KINDS[p.kind], p.default)
        for p in signature.parameters.values()
        if p.name not in ("self", "cls")
    ]


def public_members(obj: Any) -> Set[str]:
    """Public names an object's own (wsging) classes define, instance attributes included; a
    function (a shim) or a constant documents none."""
    if inspect.ismodule(obj):
        return set(getattr(obj, "__all__", ()))
    if inspect.isfunction(obj) or not inspect.isclass(obj):
        return set()  # a function (a shim) or a constant (wsging.SPEC_VERSION)
    foreign: Set[str] = set()
    for base in obj.__mro__:
        if not base.__module__.startswith("wsging"):
            foreign |= set(dir(base))
    try:
        sample = obj()
    except Exception:
        sample = obj
    return {n for n in dir(sample) if not n.startswith("_") and n not in foreign}


def test_every_exported_name_is_documented_and_nothing_else():
    documented = {name.split(".", 1)[1] for name in api_rows() if name.count(".") == 1}
    assert documented == set(wsging.__all__), (
        f"documented, not exported: {sorted(documented - set(wsging.__all__))}; "
        f"exported, not documented: {sorted(set(wsging.__all__) - documented)}"
    )


def test_every_name_a_documented_submodule_exports_is_documented_and_nothing_else():
    documented: Dict[str, Set[str]] = {}
    for name in api_rows():
        module, _, attr = name.rpartition(".")
        if module != "wsging":
            documented.setdefault(module, set()).add(attr)
    assert "wsging.wsgi" in documented and "wsging.testing" in documented
    for module, names in documented.items():
        exported = set(importlib.import_module(module).__all__)
        assert names == exported, (
            f"{module}: documented, not exported: {sorted(names - exported)}; "
            f"exported, not documented: {sorted(exported - names)}"
        )


ROWS = sorted(api_rows().items())


@pytest.mark.parametrize("name, row", ROWS, ids=[name for name, _ in ROWS])
def test_documented_object_matches_the_package(name, row):
    constructor, members = row
    obj = resolve(name)
    if constructor is not None:
        assert constructor.split("(")[0] == name.rsplit(".", 1)[1], f"{name}: {constructor}"
        assert documented_parameters(constructor) == shipped_parameters(obj), (
            f"{name}: the spec says {constructor}, the package has {inspect.signature(obj)}"
        )
    documented = {member for member, _ in members}
    shipped = public_members(obj)
    assert documented == shipped, (
        f"{name}: documented, not shipped: {sorted(documented - shipped)}; "
        f"shipped, not documented: {sorted(shipped - documented)}"
    )
    for member, signature in members:
        if signature is not None:
            function = getattr(obj, member)
            assert documented_parameters(member + signature) == shipped_parameters(function), (
                f"{name}.{member}: the spec says {member}{signature}, "
                f"the package has {inspect.signature(function)}"
            )
