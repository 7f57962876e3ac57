"""Escalation briefs, leaders' responses and commitments."""
