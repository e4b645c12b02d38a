from django.db import migrations

from register.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial"), ("requests_portal", "0002_roles")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
