"""Benchmark-only settings: the product's settings with the bare baseline views of
benchmarks/rest_reads.py (never in config/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.rest_reads_urls"
