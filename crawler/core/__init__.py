"""The core: configuration, the vocabulary, verdict rules, the link plan and pure
history math. No Scrapy, no SQL; everything above builds on it."""
