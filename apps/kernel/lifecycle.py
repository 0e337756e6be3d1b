"""Life of a page: the transitions between memory types as a graph, to draw, list or serve.

A transition is stored once per era (the function that performs it from `since` to `until`);
here the eras of one (from, to, event) are put back together into one Step, the edge a diagram
draws and a table row a page lists. Every function reads the transitions of the data
version's catalogue (apps.kernel.catalogue).
"""

from dataclasses import dataclass, field

from django.utils.text import slugify

from apps.kernel import catalogue as catalogues
from apps.kernel.models import Transition, release_sort_number


@dataclass
class Step:
    """One transition, from_type -> to_type on an event, with its eras oldest first."""

    from_type: object
    to_type: object
    event: str
    eras: list = field(default_factory=list)  # Transition rows, oldest first

    @property
    def anchor(self):
        """The id of its row on the lifecycle page, e.g. 'buddy-slab-allocated-by-the-slab-allocator-slub'."""
        return slugify(f"{self.from_type.slug} {self.to_type.slug} {self.event}")[:120]

    @property
    def functions(self):
        """The function of each era in one line: 'allocate_slab() until v5.17, alloc_slab_page() since v5.17'.
        Consecutive eras of one function (pte_free() with another destructor inside) read as one,
        and a function that does it in every release stands alone: 'pte_free()'."""
        runs = []  # [function, since, until]
        for era in self.eras:
            if runs and runs[-1][0] == era.function and runs[-1][2] == era.since:
                runs[-1][2] = era.until
            else:
                runs.append([era.function, era.since, era.until])
        if len(runs) == 1 and not (runs[0][1] or runs[0][2]):
            return runs[0][0]
        return ", ".join(f"{function} {Transition(since=since, until=until).era}" for function, since, until in runs)

    @property
    def is_loop(self):
        """A change within one type (file_mem dirtied, written back)."""
        return self.from_type.id == self.to_type.id


@dataclass
class Lifecycle:
    """The types a set of transitions connects and its steps; highlight is the type a
    neighbourhood is drawn around."""

    types: list  # MemoryType, by slug
    steps: list  # Step, by (from slug, to slug, event)
    highlight: object = None

    @property
    def incoming(self):
        """Steps by which a page of another type becomes the highlighted type."""
        return [s for s in self.steps if s.to_type.id == self._centre and not s.is_loop]

    @property
    def outgoing(self):
        """Steps by which a page of the highlighted type becomes another type."""
        return [s for s in self.steps if s.from_type.id == self._centre and not s.is_loop]

    @property
    def loops(self):
        """Steps that leave a page of the highlighted type what it is (a change of state)."""
        return [s for s in self.steps if s.is_loop and s.from_type.id == self._centre]

    @property
    def _centre(self):
        return self.highlight.id if self.highlight is not None else None


def _lifecycle(transitions, highlight=None):
    steps = {}
    types = {} if highlight is None else {highlight.id: highlight}
    for t in transitions:
        key = (t.from_type_id, t.to_type_id, t.event)
        if key not in steps:
            steps[key] = Step(t.from_type, t.to_type, t.event)
        steps[key].eras.append(t)
        types.setdefault(t.from_type_id, t.from_type)
        types.setdefault(t.to_type_id, t.to_type)
    return Lifecycle(
        types=sorted(types.values(), key=lambda t: t.slug),
        steps=sorted(steps.values(), key=lambda s: (s.from_type.slug, s.to_type.slug, s.event)),
        highlight=highlight,
    )


def whole(release=None, catalogue=None):
    """Every transition, or only the eras that hold at `release` (a name like v6.12: since <=
    release < until), with the types they connect (no query but catalogue.current()'s when no
    catalogue is given). ValueError for a malformed release name."""
    transitions = (catalogue or catalogues.current()).transitions
    if release:
        number = release_sort_number(release)
        transitions = [t for t in transitions if t.since_key <= number < t.until_key]
    return _lifecycle(transitions)


def around(memory_type, catalogue=None):
    """How a page becomes memory_type and what it becomes next: the transitions into and out
    of it, with the types at their other ends (no query but catalogue.current()'s when no
    catalogue is given)."""
    transitions = (catalogue or catalogues.current()).transitions
    touching = [t for t in transitions if memory_type.id in (t.from_type_id, t.to_type_id)]
    return _lifecycle(touching, highlight=memory_type)
