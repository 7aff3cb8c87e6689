"""Scrapy settings for healthcrawl (scrapy.cfg: default = crawler.crawl.settings).

Project-specific settings share the HEALTH_ prefix. Values from the `settings:`
block of resources.yaml are applied on top by `apply_crawl_settings`; their
defaults are CrawlSettings' (crawler.core.config), the one place they are written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.request import getproxies

from scrapy.settings import default_settings

from crawler.core.config import CrawlSettings
from crawler.core.layout import DEFAULT_DB, REPORT_DIR
from crawler.crawl.eventloop import fastest_event_loop
from crawler.record.recorder import LINK_BATCH_SECONDS, LINK_BATCH_SIZE

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

_DEFAULT = CrawlSettings()  # resources.yaml's `settings:` block, when it says nothing

BOT_NAME = "healthcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Where things live (the CLI's --config/--db/--out override these).
HEALTH_CONFIG = "resources.yaml"  # the resources file to check
HEALTH_DB_PATH = str(DEFAULT_DB)  # the SQLite report database, out of the published folder (crawler.core.layout)
HEALTH_REPORT_DIR = str(REPORT_DIR)  # the published folder: index.html, status.json, feeds
HEALTH_RETRY_BACKOFF = _DEFAULT.retry_backoff  # seconds before the first retry, doubled after
HEALTH_RETRY_AFTER_MAX = _DEFAULT.retry_after_max  # longest Retry-After honoured; longer means give up
HEALTH_SHUTDOWN_GRACE = 5.0  # after SIGINT/SIGTERM, seconds to wait for in-flight requests
HEALTH_FAST = False  # skip links found healthy within HEALTH_RECHECK_AFTER (`run --fast`)
HEALTH_PROGRESS = False  # a live progress line on stderr (`healthcrawl run` sets it when stderr is a terminal)
HEALTH_RECHECK_AFTER = _DEFAULT.recheck_after  # seconds
HEALTH_BLOCK_PRIVATE_ADDRESSES = _DEFAULT.block_private_addresses  # refuse links to private/local addresses
# What earlier runs learnt about each link URL (crawler.store.database.Store.link_memory):
# the spider reads it from the database before the crawl; a distributed worker gets it
# from the coordinator.
HEALTH_LINK_MEMORY = None
# Link results are written in batches: a SIGKILL loses at most the one pending
# (checks are written at once). See crawler.record.recorder.
HEALTH_LINK_BATCH_SIZE = LINK_BATCH_SIZE  # results per transaction, at most
HEALTH_LINK_BATCH_SECONDS = LINK_BATCH_SECONDS  # the longest a result waits for its transaction

USER_AGENT = _DEFAULT.user_agent
# robots.txt governs the links we discover and follow; the spider exempts the
# resources you listed (and their feeds), which are checked as a browser opens them.
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
# Neither a console nor an HTTP server that runs Python code belongs in a cron job.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "WARNING"
CONCURRENT_REQUESTS = _DEFAULT.concurrency
CONCURRENT_REQUESTS_PER_DOMAIN = _DEFAULT.concurrency_per_host
# uvloop under Twisted's asyncio reactor where installed, else Python's loop (crawler/crawl/eventloop.py)
ASYNCIO_EVENT_LOOP = fastest_event_loop()
DOWNLOADER = "crawler.crawl.downloader.PoliteDownloader"  # holds the per-host cap (see crawler/downloader.py)
# Hand the downloader a request for the host with the fewest in flight, not the newest
# request: otherwise the overall cap fills with requests queued behind one busy host
# while the other hosts wait (Scrapy's advice for crawls over many hosts).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
# aiohttp's client for http(s), not Twisted's: 10% fewer instructions per link check (crawler/crawl/handler.py)
DOWNLOAD_HANDLERS = {
    "http": "crawler.crawl.handler.AiohttpHandler",
    "https": "crawler.crawl.handler.AiohttpHandler",
}
DOWNLOAD_TIMEOUT = _DEFAULT.timeout
DNS_TIMEOUT = _DEFAULT.timeout
DOWNLOAD_MAXSIZE = _DEFAULT.max_body_bytes
DOWNLOAD_WARNSIZE = 0
DOWNLOAD_VERIFY_CERTIFICATES = _DEFAULT.verify_tls
DOWNLOAD_DELAY = _DEFAULT.delay
REDIRECT_MAX_TIMES = _DEFAULT.max_redirects
RETRY_TIMES = _DEFAULT.retries
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "INFO"  # the failure is recorded in the check; no need to shout in cron mail
HTTPERROR_ALLOW_ALL = False  # 4xx/5xx reach the errback with the response attached
# Items of one response go through the pipeline one after another: it is synchronous
# (SQLite), so parallel slots buy nothing, and Scrapy starts one asyncio task per slot
# for every response (100 by default), which was most of the CPU of a link check.
CONCURRENT_ITEMS = 1
# A development check that re-reads and parses a callback's source for every response
# (its cache misses bound methods): our callbacks are tested, not re-inspected per link.
WARN_ON_GENERATOR_RETURN_VALUE = False

# What Scrapy does around each request, trimmed to what is read (crawler/crawl/hotpath.py)
STATS_CLASS = "crawler.crawl.hotpath.LeanStatsCollector"
LOG_FORMATTER = "crawler.crawl.hotpath.QuietLogFormatter"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.robots.RobotsTxtMiddleware": 100,
    "crawler.crawl.middlewares.BackoffRetryMiddleware": 550,
    "crawler.crawl.middlewares.HopRecorderMiddleware": 700,
    # a cookie set by a redirect is sent on the rest of that chain only (no jar across requests)
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.crawl.middlewares.CookieRedirectMiddleware": 600,
    # a followed <meta http-equiv=refresh> is a redirect hop too (same place as Scrapy's)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.crawl.middlewares.MetaRefreshHopMiddleware": 580,
    "crawler.crawl.middlewares.LinkMemoryMiddleware": 450,
    # Scrapy's proxy middleware, deciding no_proxy once per host (with HTTPPROXY_ENABLED only)
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
    "crawler.crawl.middlewares.ProxyMiddleware": 750,
    "crawler.crawl.safety.PrivateAddressGuardMiddleware": 90,  # before robots.txt is even fetched
    # crawler.crawl.safety: same decompression cap as Scrapy's, with specific errors (bomb, bad body)
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.crawl.safety.BoundedHttpCompressionMiddleware": 590,
    # refuse redirects to file:, ftp:, data:, invalid URLs (after HopRecorder records the hop)
    "crawler.crawl.safety.RedirectGuardMiddleware": 650,
    # refuse status codes outside 100-599, nearest the downloader
    "crawler.crawl.safety.StatusGuardMiddleware": 960,
    # Nothing to do for a link check, but each ran on every request: the plan alone
    # decides what is requested (no allowed_domains), there are no credentials, the
    # User-Agent is one of the default headers (apply_crawl_settings), and nothing
    # reads Scrapy's per-request download stats.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}
SPIDER_MIDDLEWARES = {
    # the link plan knows each page's depth (crawler.core.linkplan); Scrapy's copy was a few
    # per cent of the CPU of every link check
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    # drops a request whose URL is longer than 2,083 characters with a log line: a link
    # that would never be checked nor reported, and a level the plan would wait on forever
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    # a link check tells no site which pages link to it: no Referer, and no policy
    # computed per request (the redirect middlewares' notice about it is filtered
    # out in the spider)
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    # marks start requests for a queue of their own: the order of resource checks
    # does not matter, and each middleware is one more layer around every callback
    "scrapy.spidermiddlewares.start.StartSpiderMiddleware": None,
    # a development check of what callbacks copy into request meta
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.crawl.pipelines.StoragePipeline": 300,
}
EXTENSIONS = {
    # Scrapy's CoreStats and LogStats counted every response and item (two signals per
    # link check); RunTimes keeps its times and finish reason, ProgressLog logs the
    # links checked at INFO (-v)
    "scrapy.extensions.corestats.CoreStats": None,
    "crawler.crawl.extensions.RunTimes": 0,
    "scrapy.extensions.logstats.LogStats": None,
    "crawler.crawl.progress.ProgressLog": 0,
    # the live progress line, only with HEALTH_PROGRESS on (`healthcrawl run` turns it on
    # when stderr is a terminal) and stderr a terminal; finished before the report is written
    "crawler.crawl.progress.ProgressLine": 490,
    "crawler.crawl.extensions.ReportWriter": 500,
    "crawler.crawl.shutdown.ShutdownGuard": 510,
}
# Scrapy's components that are off here by setting (COOKIES_ENABLED, TELNETCONSOLE_ENABLED,
# REMOTE_CONTROL_ENABLED) are left out of its base lists: Scrapy imports every listed
# module at start-up, a disabled one too (its key is resolved even when set to None),
# and these three brought tldextract, Twisted's conch and aiohttp's web server: 80 ms
# of every run's start.
_OFF_BY_SETTING = {
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
}
DOWNLOADER_MIDDLEWARES_BASE = {path: order for path, order in default_settings.DOWNLOADER_MIDDLEWARES_BASE.items()
                               if path not in _OFF_BY_SETTING}
EXTENSIONS_BASE = {path: order for path, order in default_settings.EXTENSIONS_BASE.items()
                   if path not in _OFF_BY_SETTING}


def apply_crawl_settings(settings: BaseSettings, crawl: CrawlSettings) -> None:
    """Map the user's `settings:` block onto Scrapy's settings."""
    headers = {**settings.getdict("DEFAULT_REQUEST_HEADERS"), "User-Agent": crawl.user_agent}
    values = {
        "DEFAULT_REQUEST_HEADERS": headers,
        # the proxy middleware only where the environment names a proxy (http_proxy...)
        "HTTPPROXY_ENABLED": bool(getproxies()),
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DNS_TIMEOUT": crawl.timeout,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_host,
        "USER_AGENT": crawl.user_agent,
        "RETRY_TIMES": crawl.retries,
        "RETRY_ENABLED": crawl.retries > 0,
        "HEALTH_RETRY_BACKOFF": crawl.retry_backoff,
        "HEALTH_RETRY_AFTER_MAX": crawl.retry_after_max,
        "REDIRECT_MAX_TIMES": crawl.max_redirects,
        "DOWNLOAD_VERIFY_CERTIFICATES": crawl.verify_tls,
        "DOWNLOAD_MAXSIZE": crawl.max_body_bytes,
        "DOWNLOAD_DELAY": crawl.delay,
        "HEALTH_RECHECK_AFTER": crawl.recheck_after,
        "HEALTH_BLOCK_PRIVATE_ADDRESSES": crawl.block_private_addresses,
    }
    settings.setdict(values, priority="spider")
