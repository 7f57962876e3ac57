"""Benchmarks: each module has run(...) -> dict and can be run on its own."""
