#
# Copyright 2026 gr-ddpm authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The package layout holds (docs/layout.md):

- every module of gnuradio.ddpm imports on its own in a fresh interpreter (no import-order dependence);
- the static import graph of python/ddpm (every import, also those inside functions) has no cycle;
- flowgraph code (the blocks, core, modelfile, flowgraphs) never reaches training or evaluation, and importing
  gnuradio.ddpm loads neither torch, Dask nor matplotlib: flowgraphs run without them;
- no module imports another module's private (underscore) names;
- one version: gnuradio.ddpm.__version__ is CMake's GR_DDPM_VERSION and the newest CHANGELOG heading;
- no generator template text is left.
"""
import ast
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "python", "ddpm")
NAME = "gnuradio.ddpm"
RUNTIME = ("", "core", "modelfile", "flowgraphs")          # what a flowgraph may use
OFF_LIMITS = ("training", "evaluation")                     # torch, Dask, matplotlib
BINDING = NAME + ".ddpm_python"


def _modules():
    """{module name: source path} of python/ddpm, without QA files and the bindings folder."""
    out = {}
    for d, subdirs, files in os.walk(PKG):
        subdirs[:] = [s for s in subdirs if os.path.isfile(os.path.join(d, s, "__init__.py"))]
        rel = os.path.relpath(d, PKG)
        base = NAME if rel == "." else NAME + "." + rel.replace(os.sep, ".")
        for f in files:
            if f.endswith(".py") and not f.startswith("qa_"):
                out[base if f == "__init__.py" else base + "." + f[:-3]] = os.path.join(d, f)
    return out


MODULES = _modules()


def _imports(name, path):
    """(imported module names within gnuradio.ddpm, private names imported) of one module, from its AST."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    pkg = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
    deps, private = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            deps.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                mod = base + ("." + node.module if node.module else "")
            else:
                mod = node.module or ""
            for a in node.names:
                full = mod + "." + a.name
                if full == BINDING or mod == BINDING:
                    continue                           # the compiled module: no Python imports of its own
                deps.add(full if full in MODULES else mod)
                if a.name.startswith("_") and a.name != "__version__":
                    private.append(f"{mod}.{a.name}")
    deps = {d for d in deps if d in MODULES and d != name}
    return deps, private


GRAPH = {m: _imports(m, p)[0] for m, p in MODULES.items()}


def test_layout_has_the_subpackages():
    for sub in ("core", "modelfile", "flowgraphs", "training", "evaluation"):
        assert f"{NAME}.{sub}" in MODULES
    assert len(MODULES) > 30


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_names_imported(name):
    private = [p for p in _imports(name, MODULES[name])[1] if not p.startswith(name + ".")]
    assert not private, f"{name} imports private names {private}"


def test_static_import_graph_has_no_cycle():
    """Tarjan's strongly connected components on the module graph: every component is a single module."""
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    for v in GRAPH:
        if v not in index:
            visit(v)
    cycles = [sorted(c) for c in comps if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_graph_check_finds_a_planted_cycle():
    """The check above can fail: a graph with a cycle has a component of two modules."""
    saved = dict(GRAPH)
    try:
        GRAPH[f"{NAME}.core.metrics"] = GRAPH[f"{NAME}.core.metrics"] | {f"{NAME}.core.estimators"}
        with pytest.raises(AssertionError, match="import cycles"):
            test_static_import_graph_has_no_cycle()
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


def _reach(start):
    seen, todo = set(), [start]
    while todo:
        for w in GRAPH[todo.pop()]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def _wing(name):
    rest = name[len(NAME) + 1:] if name != NAME else ""
    return rest.split(".")[0] if "." in rest else ("" if rest not in ("core", "modelfile", "flowgraphs",
                                                                      "training", "evaluation") else rest)


@pytest.mark.parametrize("name", sorted(m for m in MODULES if _wing(m) in RUNTIME))
def test_flowgraph_code_does_not_reach_training_or_evaluation(name):
    bad = sorted(m for m in _reach(name) if _wing(m) in OFF_LIMITS)
    assert not bad, f"{name} reaches {bad}"


def _fresh(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_every_module_imports_on_its_own():
    """One fresh interpreter per module (two at a time): a module that only works after another was imported
    first, or that hides a cycle behind import order, fails here."""
    with ThreadPoolExecutor(2) as pool:
        results = dict(zip(MODULES, pool.map(lambda m: _fresh(f"import {m}"), MODULES)))
    failed = {m: r.stderr[-800:] for m, r in results.items() if r.returncode != 0}
    assert not failed, failed


def test_importing_the_blocks_loads_no_training_or_evaluation_stack():
    r = _fresh("import sys; import gnuradio.ddpm, gnuradio.ddpm.core.shaping, gnuradio.ddpm.modelfile.reference, "
               "gnuradio.ddpm.flowgraphs.sim_link; "
               "print(sorted(m for m in ('torch', 'dask', 'distributed', 'matplotlib') if m in sys.modules))")
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "[]", r.stdout


def test_one_version():
    import gnuradio.ddpm as ddpm
    from gnuradio.ddpm.modelfile import writer
    cm = open(os.path.join(ROOT, "CMakeLists.txt")).read()
    parts = [re.search(rf"set\(VERSION_{k}\s+(\d+)\)", cm).group(1) for k in ("MAJOR", "API", "ABI", "PATCH")]
    want = ".".join(parts[:3]) + ("" if parts[3] == "0" else "." + parts[3])
    assert ddpm.__version__ == want
    heading = re.search(r"^## (\S+)", open(os.path.join(ROOT, "CHANGELOG.md")).read(), re.M).group(1)
    assert heading == want
    assert want in writer.CREATED_BY


def test_no_generator_template_text():
    offenders = []
    for d, subdirs, files in os.walk(ROOT):
        subdirs[:] = [s for s in subdirs if not s.startswith(".") and s not in ("build", "install", "doxygen")]
        for f in files:
            if f.endswith((".py", ".md", ".txt", ".h", ".cc", ".yml")):
                p = os.path.join(d, f)
                text = open(p, encoding="utf-8", errors="replace").read()
                if "Place your Python package" in text or "description here" in text or (
                        f == "README.md" and not text.strip()):
                    offenders.append(os.path.relpath(p, ROOT))
    offenders = [o for o in offenders if o != os.path.join("tests", "test_layout.py")]
    assert not offenders, offenders
