"""Issues raised by practitioners."""
