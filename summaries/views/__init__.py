"""Summary pages: ``forum`` inside a forum (dashboard, pulse), ``stewards`` for exports."""
