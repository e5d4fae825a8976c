"""The typed stubs (python/invr/__init__.pyi) are the package's machine-readable
contract: every public name and method they declare exists at run time, and
every public name and method the package has is declared there."""
import ast
import inspect
from pathlib import Path

import invr

STUB = Path(invr.__file__).with_name("__init__.pyi")


def stub_tree():
    return ast.parse(STUB.read_text())


def test_stub_names_match_the_package():
    tree = stub_tree()
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    declared |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    public = set(invr.__all__)
    assert public - declared == set(), "public names without a stub"
    helpers = {"CandidateCsr", "Concentration", "ExposureMetrics"}  # TypedDicts of the stubs only
    assert declared - public - helpers - {"__version__"} == set(), "stubs of names the package lacks"


def test_stub_methods_match_the_classes():
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef) or not hasattr(invr, node.name):
            continue
        cls = getattr(invr, node.name)
        if issubclass(cls, Exception):
            continue
        declared = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        runtime = {name for name, _ in inspect.getmembers(cls) if not name.startswith("_")}
        runtime |= {"__init__", "__enter__", "__exit__"} & declared
        assert declared - runtime == set(), f"{node.name}: stubbed but missing"
        assert {m for m in runtime if not m.startswith("_")} - declared == set(), f"{node.name}: not stubbed"


def test_every_public_callable_has_a_docstring():
    for name in invr.__all__:
        obj = getattr(invr, name)
        if callable(obj) and not isinstance(obj, type):
            assert (obj.__doc__ or "").strip(), name
