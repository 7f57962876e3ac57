"""``python -m bench.meeting_load``: the meeting load test (``make load``)."""

from bench.meeting_load.run import main

main()
