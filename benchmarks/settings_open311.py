"""Benchmark-only settings: the product's settings with the benchmark's URLs (the bare
views of benchmarks/open311_reports.py live there, never in config/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.open311_urls"

# Keep each worker's connection for the whole run: the benchmark counts the CPU of the
# PostgreSQL backends from the start to the end of a phase, and a backend that the
# product's 60 s limit replaces mid-phase takes its CPU seconds with it.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
