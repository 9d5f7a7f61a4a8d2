"""GPU benchmarks: ``cuda_standalone`` (brian2cuda) against ``cpp_standalone`` on one machine."""
