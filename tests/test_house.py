"""The house rules a machine can check: short functions, no import circle, a short README."""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_FUNCTION_LINES = 80
MAX_README_LINES = 199


def _python_files(*folders):
  for folder in folders:
    for directory, _, names in os.walk(os.path.join(ROOT, folder)):
      for name in sorted(names):
        if name.endswith(".py"):
          yield os.path.join(directory, name)


def _tree(path):
  with open(path) as f:
    return ast.parse(f.read(), path)


def long_functions(paths, limit=MAX_FUNCTION_LINES):
  """`["file:line name (n lines)"]` of the functions (methods and nested ones too) whose
  definition, from `def` to its last line, is longer than `limit` lines."""
  found = []
  for path in paths:
    for node in ast.walk(_tree(path)):
      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        lines = node.end_lineno - node.lineno + 1
        if lines > limit:
          found.append(f"{os.path.relpath(path, ROOT)}:{node.lineno} {node.name} ({lines} lines)")
  return found


def _module_name(path):
  name = os.path.relpath(path, ROOT)[:-len(".py")].replace(os.sep, ".")
  return name[:-len(".__init__")] if name.endswith(".__init__") else name


def import_graph(package="rdbounds"):
  """{module: modules of `package` it imports} over the package's non-test modules, from
  every import statement, function-level ones included (`from a.b import c` names the
  module a.b.c when there is one, else a.b)."""
  paths = [p for p in _python_files(package) if not p.endswith("_test.py")]
  modules = {_module_name(p): p for p in paths}
  graph = {}
  for name, path in modules.items():
    targets = set()
    for node in ast.walk(_tree(path)):
      if isinstance(node, ast.Import):
        targets.update(a.name for a in node.names)
      elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        for alias in node.names:
          child = f"{node.module}.{alias.name}"
          targets.add(child if child in modules else node.module)
    graph[name] = sorted(t for t in targets if t in modules and t != name)
  return graph


def circles(graph):
  """The strongly connected components of more than one module (Tarjan), each sorted."""
  index, low, stack, on_stack, found = {}, {}, [], set(), []

  def visit(node):
    index[node] = low[node] = len(index)
    stack.append(node)
    on_stack.add(node)
    for other in graph[node]:
      if other not in index:
        visit(other)
        low[node] = min(low[node], low[other])
      elif other in on_stack:
        low[node] = min(low[node], index[other])
    if low[node] == index[node]:
      component = []
      while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == node:
          break
      if len(component) > 1:
        found.append(sorted(component))

  for node in sorted(graph):
    if node not in index:
      visit(node)
  return found


def test_no_function_is_longer_than_80_lines():
  assert long_functions(_python_files("rdbounds", "experiments")) == []


def test_the_checks_catch_a_long_function_and_a_circle(tmp_path):
  path = tmp_path / "long.py"
  path.write_text("def f():\n" + "  x = 1\n" * 80 + "\n\ndef g():\n  return 1\n")
  assert [line.split(" ", 1)[1] for line in long_functions([str(path)])] == ["f (81 lines)"]
  assert circles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


def test_no_import_circle_among_the_library_modules():
  graph = import_graph()
  assert "rdbounds.lower.finite_data" in graph["rdbounds.lower.config"]  # the graph is read
  assert circles(graph) == []


def test_the_readme_stays_under_200_lines():
  with open(os.path.join(ROOT, "README.md")) as f:
    assert len(f.read().splitlines()) <= MAX_README_LINES
