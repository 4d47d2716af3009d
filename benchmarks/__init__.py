"""On-demand benchmarks: ``python -m benchmarks`` (never part of the unit tests)."""
