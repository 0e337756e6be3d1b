"""The memory-type hierarchy as a graph: ancestors, descendants, roots, the whole DAG.

Every function walks the whole edge list in memory: the pages' functions that of the data
version's catalogue (apps.kernel.catalogue), the checks made while writing one loaded in one
query under the write's lock; so the number of queries never depends on the size or depth of
the hierarchy.
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.db import connection

from apps.kernel import catalogue as catalogues
from apps.kernel.models import DatedViewEdge, MemoryType, TypeRelation


@dataclass
class Dag:
    """Types and the relations between them, ready to draw or serialise."""

    types: list  # MemoryType, ordered by slug
    relations: list  # TypeRelation with parent_id/child_id (and note)
    highlight: object = None  # the MemoryType a neighbourhood is centred on
    by_id: dict = field(init=False)

    def __post_init__(self):
        self.by_id = {t.id: t for t in self.types}

    def children_of(self):
        """{parent_id: [child MemoryType, ...]} ordered by slug."""
        children = defaultdict(list)
        for rel in self.relations:
            children[rel.parent_id].append(self.by_id[rel.child_id])
        for kids in children.values():
            kids.sort(key=lambda t: t.slug)
        return children

    def roots(self):
        """Types with no parent inside this graph, ordered by slug."""
        has_parent = {rel.child_id for rel in self.relations}
        return [t for t in self.types if t.id not in has_parent]

    def tree(self):
        """Nested [{"type": t, "children": [...]}] from the roots; a type with several parents
        appears under each of them."""
        children = self.children_of()

        def subtree(node, seen):
            kids = [subtree(kid, seen | {kid.id}) for kid in children.get(node.id, []) if kid.id not in seen]
            return {"type": node, "children": kids}

        return [subtree(root, {root.id}) for root in self.roots()]


def _edge_lists(ignore_relation=None, view=None):
    """({parent: {children}}, {child: {parents}}) of all relations, or of a dated view's edges
    when view (a DatedView id) is given (1 query)."""
    down, up = defaultdict(set), defaultdict(set)
    edges = TypeRelation.objects if view is None else DatedViewEdge.objects.filter(view_id=view)
    rows = edges.values_list("pk", "parent_id", "child_id")
    for pk, parent_id, child_id in rows:
        if pk == ignore_relation:
            continue
        down[parent_id].add(child_id)
        up[child_id].add(parent_id)
    return down, up


def _walk(start_id, neighbours, depth=None):
    """{id: distance} of everything reachable from start_id (start excluded), breadth first."""
    seen = {start_id: 0}
    queue = deque([start_id])
    while queue:
        node = queue.popleft()
        if depth is not None and seen[node] >= depth:
            continue
        for nxt in neighbours.get(node, ()):
            if nxt not in seen:
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
    del seen[start_id]
    return seen


def _types_by_distance(distances):
    """MemoryTypes for {id: distance}, nearest first then by slug (1 query)."""
    types = MemoryType.objects.for_graph().filter(pk__in=distances)
    return sorted(types, key=lambda t: (distances[t.id], t.slug))


def ancestors(memory_type, depth=None):
    """Every type above memory_type, nearest first (2 queries)."""
    _, up = _edge_lists()
    return _types_by_distance(_walk(memory_type.id, up, depth))


def descendants(memory_type, depth=None):
    """Every type below memory_type, nearest first (2 queries)."""
    down, _ = _edge_lists()
    return _types_by_distance(_walk(memory_type.id, down, depth))


def roots():
    """Types with no parent, by slug (1 query)."""
    return list(MemoryType.objects.for_graph().filter(parent_relations__isnull=True))


def whole(catalogue=None):
    """The whole hierarchy (no query but catalogue.current()'s when no catalogue is given)."""
    cat = catalogue or catalogues.current()
    return Dag(list(cat.types.values()), cat.relations)


def neighbourhood(memory_type, depth=None, catalogue=None):
    """memory_type with its ancestors and descendants (up to depth levels each way) and the
    relations among them (no query but catalogue.current()'s when no catalogue is given)."""
    cat = catalogue or catalogues.current()
    down, up = defaultdict(set), defaultdict(set)
    for rel in cat.relations:
        down[rel.parent_id].add(rel.child_id)
        up[rel.child_id].add(rel.parent_id)
    above = _walk(memory_type.id, up, depth)
    below = _walk(memory_type.id, down, depth)
    ids = set(above) | set(below) | {memory_type.id}
    types = sorted((cat.types[i] for i in ids), key=lambda t: t.slug)
    # Every edge between two of these types is drawn: one from an ancestor to a descendant is a
    # real relation, and one from below to above would be a cycle, which clean() refuses.
    kept = [rel for rel in cat.relations if rel.parent_id in ids and rel.child_id in ids]
    return Dag(types, kept, highlight=cat.types[memory_type.id])


def relations_of(memory_type, catalogue=None):
    """(parent relations, child relations) of memory_type, each with the type at its other end
    and its source, by that type's slug (no query but catalogue.current()'s when no catalogue
    is given)."""
    cat = catalogue or catalogues.current()
    return cat.parents.get(memory_type.id, []), cat.children.get(memory_type.id, [])


def dated(view, catalogue=None):
    """A dated view's drawing: the types its edges name and those edges (no query but
    catalogue.current()'s when no catalogue is given; the view is given)."""
    cat = catalogue or catalogues.current()
    edges = [edge for edge in cat.view_edges if edge.view_id == view.id]
    types = {}
    for edge in edges:
        types[edge.parent_id] = edge.parent
        types[edge.child_id] = edge.child
    return Dag(sorted(types.values(), key=lambda t: t.slug), edges)


def parents_in_views(memory_type, catalogue=None):
    """[(DatedView, [parent MemoryType, ...])] for each dated view that draws memory_type, oldest
    view first, parents by slug; a root of a view has no parents there (no query but
    catalogue.current()'s when no catalogue is given)."""
    cat = catalogue or catalogues.current()
    found = {}
    for edge in cat.view_edges:
        if memory_type.id not in (edge.child_id, edge.parent_id):
            continue
        parents = found.setdefault(edge.view_id, (edge.view, []))[1]
        if edge.child_id == memory_type.id:
            parents.append(edge.parent)
    return [(view, sorted(parents, key=lambda t: t.slug)) for view, parents in found.values()]


# The key of the PostgreSQL advisory lock that serializes relation writes ("memtypes" in hex-ish).
RELATION_LOCK_KEY = 0x6D656D7479706573


def lock_relations():
    """Take the lock that serializes relation writes until the current transaction ends: a
    PostgreSQL transaction-level advisory lock (1 query). On SQLite every transaction begins
    IMMEDIATE and so already holds the database's write lock (no query)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELATION_LOCK_KEY])


def cycle_through(parent_id, child_id, ignore_relation=None, view=None):
    """Slugs of the cycle that an edge parent > child would close, [] when it closes none, among
    the current relations or a dated view's edges (1 query, 2 when there is a cycle to name)."""
    down, _ = _edge_lists(ignore_relation=ignore_relation, view=view)
    # A cycle exists when parent is reachable from child going down.
    previous = {child_id: None}
    queue = deque([child_id])
    while queue:
        node = queue.popleft()
        if node == parent_id:
            break
        for nxt in down.get(node, ()):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    if parent_id not in previous:
        return []
    path = [parent_id]
    while previous[path[-1]] is not None:
        path.append(previous[path[-1]])
    path.reverse()  # child ... parent
    slugs = dict(MemoryType.objects.filter(pk__in=path).values_list("pk", "slug"))
    return [slugs[parent_id]] + [slugs[pk] for pk in path]
