"""No import circle among the project's modules (grimp builds the graph, as import-linter does).

Every import counts, those inside functions too: a lazy import is how a circle hides, and the
first caller of the "wrong" module then finds a half-initialised one. Imports under
`if TYPE_CHECKING:` do not run, so they do not count.
"""

from pathlib import Path

import grimp
import pytest
from django.conf import settings


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
    found = cycles(graph)
    assert not found, "Import circles:\n" + "\n".join(found)


def test_the_policy_imports_no_app(graph):
    # accounts.policy is the mechanism; the rules, and the models they name, are in access.py.
    assert graph.find_upstream_modules("accounts.policy") <= {"accounts.choices"}
