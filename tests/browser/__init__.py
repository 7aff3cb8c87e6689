"""Browser tests: render the status page and look at it in headless Chromium."""
