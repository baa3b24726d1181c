"""ParkLink's benchmarks: `python -m bench` runs them all; figures go to bench/RESULTS.md by hand."""
