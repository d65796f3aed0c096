"""dehaze-bench harness: data sets, metrics, profiling, runs, reports, training and checks."""
