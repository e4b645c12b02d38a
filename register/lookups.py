"""`field__any_of=values`: `field IN values` for long lists of ids, as one array parameter on PostgreSQL.

With `__in`, Django prepares every value and writes a placeholder for it, and psycopg then quotes each one:
for the 10,000 ids of a sweep chunk that costs more than the statement itself. `= ANY(%s)` sends the list
whole. Elsewhere (SQLite) it is a plain IN. The values must already have the field's type.
"""

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations take only the lookups registered from ForeignObject down
