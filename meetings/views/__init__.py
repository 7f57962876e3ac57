"""Meeting pages, one module per subject, mirroring ``meetings/services``.

The convenor drives; members follow the live page and vote on their phones.
"""
