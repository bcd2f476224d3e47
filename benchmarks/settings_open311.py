"""Benchmark-only settings: the product's settings with the benchmark's URLs (the bare
insert view of benchmarks/open311_reports.py lives there, never in config/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.open311_urls"
