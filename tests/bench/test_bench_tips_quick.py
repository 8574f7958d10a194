"""The tips benchmarks run in --quick mode, as test_bench_quick.py runs the others, so
neither rots between the runs done by hand. Nothing here asserts speed."""
