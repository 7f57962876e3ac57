"""The bare floor: a plain Django page with no database and no middleware (see views.py)."""
