"""`field__any_of=values`: `field IN values` for long lists of ids, as one array parameter on PostgreSQL.

With `__in`, Django prepares every value and writes a placeholder for it, and psycopg then quotes each one:
for the 10,000 ids of a sweep chunk that costs more than the statement itself. `= ANY(%s)` sends the list
whole. Wrapped in `Ids`, integer keys skip Django's per-value resolving too and travel as one array literal.
Elsewhere (SQLite) it is a plain IN. The values must already have the field's type.
"""

from collections.abc import Iterable, Iterator

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class Ids:
    """Integer primary keys for `__any_of`, kept whole: Django resolves each value of a list one by one."""

    __slots__ = ("values",)

    def __init__(self, values: Iterable[int]) -> None:
        self.values = list(values)

    def __iter__(self) -> Iterator[int]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


class AnyOf(In):
    lookup_name = "any_of"

    def get_prep_lookup(self):
        return self.rhs if isinstance(self.rhs, Ids) else list(self.rhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if isinstance(self.rhs, Ids):
            literal = "{" + ",".join(map(str, map(int, self.rhs.values))) + "}"
            return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, literal)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations take only the lookups registered from ForeignObject down
