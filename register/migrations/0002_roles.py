from django.db import migrations

from register.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
