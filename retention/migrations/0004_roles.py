from django.db import migrations

from register.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("retention", "0003_retention_approval")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
