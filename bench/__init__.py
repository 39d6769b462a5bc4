"""`make bench`: benchmarks of the course (not tests). `bench/run.py` is the command."""
