"""Tests of benchmark.data: one file per module of the package."""
