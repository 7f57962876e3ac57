"""Monthly meetings, themes, ballots and decisions."""
