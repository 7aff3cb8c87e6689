"""Benchmarks for healthcrawl: `python -m bench` (speed and politeness against
LinkChecker and linkinator on a synthetic loopback web) and `python -m bench.faultload`."""
