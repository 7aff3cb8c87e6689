"""Scrapy plumbing, grouped as Scrapy groups its own components: settings,
downloader and spider middlewares, the downloader, robots.txt, pipelines,
extensions, shutdown, and the runner that starts a crawl."""
