"""No import circle among the project's modules (grimp builds the graph, as import-linter does).

Every import counts, those inside functions too: a lazy import is how a circle hides, and the
first caller of the "wrong" module then finds a half-initialised one. Imports under
`if TYPE_CHECKING:` do not run, so they do not count.
"""

from pathlib import Path

import grimp
import pytest
from django.conf import settings

# Circles outside the access policy, left to the engineers restructuring those modules (issue
# 13). Each entry is a pair of modules that import each other, directly or through others; the
# test drops the direct imports between the two before it looks for circles, and fails once a
# pair no longer closes a circle, so that the entry goes when its circle does.
KNOWN_CYCLES: set[frozenset[str]] = set()


def project_packages() -> list[str]:
    """The project's top-level packages (the apps, kibernadzor, and whatever joins them)."""
    base = Path(settings.BASE_DIR)
    return sorted(
        path.parent.name
        for path in base.glob("*/__init__.py")
        if path.parent.name not in {"tests", ".venv"}
    )


@pytest.fixture
def graph():
    # Built afresh for each test (a fraction of a second): the circle test edits its graph.
    return grimp.build_graph(
        *project_packages(), cache_dir=None, exclude_type_checking_imports=True
    )


def strongly_connected(graph) -> list[list[str]]:
    """Tarjan's algorithm, without recursion: the groups of modules that reach one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.find_modules_directly_imported_by(nxt)))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def cycles(graph) -> list[str]:
    """One circle, written out, through each import that closes one."""
    found = set()
    for group in strongly_connected(graph):
        for importer in group:
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if imported in group:
                    back = graph.find_shortest_chain(importer=imported, imported=importer)
                    circle = [importer, *back[:-1]]
                    start = circle.index(min(circle))  # one spelling per circle
                    circle = circle[start:] + circle[:start]
                    found.add(" -> ".join([*circle, circle[0]]))
    return sorted(found)


def test_the_project_has_no_import_circle(graph):
    for pair in KNOWN_CYCLES:
        first, second = sorted(pair)
        for importer, imported in ((first, second), (second, first)):
            if graph.direct_import_exists(importer=importer, imported=imported):
                graph.remove_import(importer=importer, imported=imported)
    found = cycles(graph)
    assert not found, "Import circles:\n" + "\n".join(found)


@pytest.mark.parametrize("pair", sorted(sorted(pair) for pair in KNOWN_CYCLES))
def test_each_known_circle_is_still_there(graph, pair):
    first, second = pair
    assert graph.chain_exists(importer=first, imported=second) and graph.chain_exists(
        importer=second, imported=first
    ), f"{first} and {second} no longer import each other: drop them from KNOWN_CYCLES"


def test_the_policy_imports_no_app(graph):
    # accounts.policy is the mechanism; the rules, and the models they name, are in access.py.
    assert graph.find_upstream_modules("accounts.policy") <= {"accounts.choices"}
