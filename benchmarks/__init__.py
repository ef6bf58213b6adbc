"""Reproducible speed, memory and API-call measurements of the MKP worker.

Each benchmark is a command (``python -m benchmarks.<name>``) that prints
human-readable figures and ends with one JSON line; ``make bench`` runs them
all. ``benchmarks.generate`` builds the synthetic orgs they measure on.
"""

__all__: list[str] = []
