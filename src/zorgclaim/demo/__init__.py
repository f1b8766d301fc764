"""A synthetic population and claim stream for demos and benchmarks (fixed seed)."""
