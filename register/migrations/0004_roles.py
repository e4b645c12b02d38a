from django.db import migrations

from register.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("register", "0003_register")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
