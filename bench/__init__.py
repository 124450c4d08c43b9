"""`make bench`: throughput of the hub against a bare Flask baseline, and of the bulk commands.

Benchmarks are not tests: they print figures and ratios and write ``bench/results.json``. They
only ever talk to 127.0.0.1, and every load loop is bounded in time.
"""
