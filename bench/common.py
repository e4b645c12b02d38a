"""What every benchmark script shares: Django set up on the project (development mode), and a query counter."""

import os
import sys
from pathlib import Path


def django_setup(**environment: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    for name, value in environment.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


class QueryCounter:
    """`with connection.execute_wrapper(counter):` counts every statement sent to the database."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
