"""Turning a crawl's raw facts into stored history: one run's row, each check's
verdict, incidents, content changes and daily rollups. Shared by the single-process
crawl and the distributed coordinator."""
