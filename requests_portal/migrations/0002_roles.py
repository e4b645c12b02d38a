from django.db import migrations

from register.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("requests_portal", "0001_initial"), ("register", "0005_subjects")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
