"""On-demand benchmarks: ``python -m benchmarks`` (``--help`` lists the workloads; never part of the unit tests)."""
