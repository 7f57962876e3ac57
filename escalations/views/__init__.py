"""Brief pages: ``briefs`` inside a forum, ``leaders`` for the senior leaders they go to."""
