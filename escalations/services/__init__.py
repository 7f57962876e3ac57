"""Writes for briefs and follow-ups, split by subject (see ``briefs`` and ``followups``)."""
