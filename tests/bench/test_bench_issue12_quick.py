"""The issue 12 benchmarks (memory per server, /issue publish at many servers) run in
--quick mode, so they do not rot between the runs done by hand."""
