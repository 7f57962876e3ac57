#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum_app.settings")
    # The README's local commands (the demo's sign-in codes, a forum on the local demo, the
    # similarity report on a file) are typed in a new terminal, where nothing is set: take
    # the local default `make run` uses. A deployment sets DEBUG=0 (and a SECRET_KEY)
    # explicitly, and there nothing changes.
    if sys.argv[1:2] in (["demo_code"], ["create_forum"], ["similarity_report"]):
        if "SECRET_KEY" not in os.environ:
            os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
