"""Pure extraction functions: bytes or text in, plain data out. No Scrapy, no I/O."""
