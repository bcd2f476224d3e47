#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DJANGO_SECRET_KEY" not in os.environ:
        # A checkout without any configuration is the local demo (as under `make run`):
        # the README's `manage.py seed_demo ...` works as written. A deployment sets the
        # key, and the servers (config.wsgi, config.asgi) still refuse to start without it.
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
