"""Tripwires: the private Scrapy and scrapy-redis code healthcrawl depends on.

A few of our modules override or read what is not Scrapy's public API. The
versions are pinned (pyproject.toml, requirements.lock), and each test here fails
when an upgrade changes one of those private pieces, naming the module of ours
that depends on it and what to re-check there.

Source tripwires compare the sha256 of ``inspect.getsource()`` of the upstream
code with the one recorded at Scrapy 2.19.0 and scrapy-redis 0.9.1. When one
fails: read the new upstream code, bring our module in line (or drop the
override if upstream fixed what it works around), then record the new hash that
the failure message prints.

The first tests check the pins those hashes stand on: Scrapy and scrapy-redis
pinned with == in pyproject.toml, the same versions in requirements.lock and
installed, and every declared dependency locked.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import importlib.metadata
import inspect
import tomllib
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from scrapy import Request
from scrapy.core.engine import ExecutionEngine
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler

ROOT = Path(__file__).resolve().parents[1]
PINNED = ("scrapy", "scrapy-redis", "scrapy-playwright")  # "==" in pyproject.toml: the hooks below hold for these


def _locked() -> dict[str, str]:
    """name -> version of each line of requirements.lock that applies to this interpreter."""
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate():
                pins[canonicalize_name(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    # every extra counts (the lock is compiled with `--extra test`, which pulls in the
    # others through `healthcrawl[...]`); that self-reference is not a package to pin
    declared = [Requirement(r) for r in [*project["dependencies"], *(r for rs in extras.values() for r in rs)]]
    return [r for r in declared if canonicalize_name(r.name) != canonicalize_name(project["name"])]


def test_lock_covers_every_declared_dependency():
    locked = _locked()
    missing = [str(r) for r in _declared() if canonicalize_name(r.name) not in locked]
    assert not missing, (f"requirements.lock has no pin for {missing}: regenerate it with the command "
                         "in its first lines, then run scripts/setup.sh")
    stale = [str(r) for r in _declared() if locked[canonicalize_name(r.name)] not in r.specifier]
    assert not stale, f"requirements.lock pins versions pyproject.toml rules out for {stale}: regenerate it"


@pytest.mark.parametrize("name", PINNED)
def test_the_tested_scrapy_is_the_pinned_one(name: str):
    declared = {str(canonicalize_name(r.name)): r for r in _declared()}[name]
    specs = list(declared.specifier)
    assert len(specs) == 1 and specs[0].operator == "==", (
        f"{name} must be pinned with == in pyproject.toml, not {declared}: the tripwires below hold for one version")
    pinned = specs[0].version
    assert _locked()[name] == pinned, f"requirements.lock and pyproject.toml disagree on {name}"
    assert importlib.metadata.version(name) == pinned, (
        f"{name} {importlib.metadata.version(name)} is installed, not the pinned {pinned}: "
        "run scripts/setup.sh --test")


class Hook(NamedTuple):
    target: str  # "module:Qualified.name"
    sha256: str  # of inspect.getsource(target) at the pinned versions
    user: str  # the module of ours that depends on it
    recheck: str  # what to re-check there when it changes


DOWNLOADER = "crawler/crawl/downloader.py (PoliteDownloader)"
ROBOTS = "crawler/crawl/robots.py (RobotsTxtMiddleware)"

HOOKS = [
    Hook("scrapy.core.downloader:Downloader._process_queue",
         "872b81a4bbb4cb1ad45b25c6f8803344a3a18fd5743dec234733891ab94559c8", DOWNLOADER,
         "PoliteDownloader._process_queue is a copy of this method plus one line (a popped request joins "
         "slot.transferring at once) that starts PoliteDownloader._answer as a task: copy the new version and "
         "make both changes again, or drop the cap line if Scrapy now holds the per-host cap itself"),
    Hook("scrapy.core.downloader:Downloader._latercall",
         "a63f8c948b8cc3b867d0430c4492a1432c68a1cd9923c2d95e6ad044a0fd1b3b", DOWNLOADER,
         "the copied _process_queue schedules it after a download delay: check it still clears "
         "slot.latercall and processes the queue"),
    Hook("scrapy.core.downloader:Downloader._wait_for_download",
         "35ca6793c8795004f7ea0f4214f22edd0b5e4e16e931c4726f487835db107a5e", DOWNLOADER,
         "PoliteDownloader._answer does what this does for each popped request (download, then settle what "
         "_enqueue_request waits on with the response or the exception): bring it in line"),
    Hook("scrapy.core.downloader:Downloader._download",
         "a05f219045c8eb5567038e61b5cb01e8ef87a2fc8f93af9cedb960df68a93565", DOWNLOADER,
         "the early slot.transferring.add() relies on this method adding the request again (a set) and "
         "removing it when the download ends: check both still happen"),
    Hook("scrapy.core.downloader:Downloader._enqueue_request",
         "1a02e3882d827f480fc371edaee30e1108b2a75b9d6b28c3a6bbee1dab732072", DOWNLOADER,
         "PoliteDownloader._enqueue_request is a copy of this with an asyncio future in the slot queue "
         "instead of a Deferred: copy the new version and keep that change"),
    Hook("scrapy.core.downloader:Downloader.fetch",
         "302384ee47a94e2c4626ea720a957159d3108680cddbdb8459c29f899415c757", DOWNLOADER,
         "PoliteDownloader.fetch is this with a coroutine: the request must join self.active before fetch() "
         "returns (the engine asks at once whether the crawl is idle) and leave it only in the callback chain "
         "that hands the engine its outcome (a redirect is in no queue before that); bring it in line"),
    Hook("scrapy.core.engine:ExecutionEngine._download",
         "c058b362cce44dabd5ef583fe5c3e1176851688e87df7472f2057f8f9c9f35c1", DOWNLOADER,
         "PoliteDownloader.fetch returns a Deferred because this yields it: check it still does"),
    Hook("scrapy.core.engine:ExecutionEngine.spider_is_idle",
         "f103c3a462d64e73a0aabfed3141fa72820b850a3b868693442f4ae32c8e8bf7", DOWNLOADER,
         "PoliteDownloader.fetch adds the request to downloader.active before its coroutine starts because "
         "this reads downloader.active to decide the crawl is over (a redirect was lost when it did not): check "
         "what it reads now"),
    Hook("scrapy.core.downloader:Downloader._get_slot",
         "5e928fd8ef75ed554d463fd1fceae2f5a9661630746b29c041e900296b7c6bfe", DOWNLOADER,
         "PoliteDownloader._enqueue_request calls it as Scrapy's did: check its arguments and result"),
    Hook("scrapy.downloadermiddlewares.robotstxt:RobotsTxtMiddleware.robot_parser",
         "4e961c394befa0fcb7291d3533a872d559b8bba106a7264cea210dc143efbcda", ROBOTS,
         "the override reads self._parsers[netloc] and, while it holds a Deferred, gives each waiter its "
         "own Deferred because this method awaits the shared one with asFuture() (only the first waiter "
         "gets the parser): check the bug is still there, and drop the override if not"),
    Hook("scrapy.downloadermiddlewares.robotstxt:RobotsTxtMiddleware._parse_robots",
         "7d8641e3b334d6ef90171ded1e7818fcdcf105a91cc99118f9d83e9767ed93e5", ROBOTS,
         "the override relies on this replacing the Deferred in self._parsers[netloc] with the parser "
         "before firing it with that parser"),
    Hook("scrapy.downloadermiddlewares.robotstxt:RobotsTxtMiddleware._robots_error",
         "aa683557e69839236a2e29a9b636cb0fa54116728ed48ea3cd829e70edf7690a", ROBOTS,
         "the override relies on a failed robots.txt fetch replacing the Deferred in "
         "self._parsers[netloc] with None and firing it with None"),
]


HTTP = "crawler/crawl/handler.py (AiohttpHandler)"
AIOHTTP = "scrapy.core.downloader.handlers._aiohttp:AiohttpDownloadHandler"
STREAMING = "scrapy.core.downloader.handlers._base_streaming:BaseStreamingDownloadHandler"
HOOKS += [
    Hook(f"{AIOHTTP}.__init__", "58929bcb7fe26d5840e78a608747c997ba4c179a839865d85bc5c5846a93bbee", HTTP,
         "AiohttpHandler.__init__ is a copy of this with resolver=ReactorResolver() given to the connector: "
         "copy the new session and connector options, keep the resolver"),
    Hook(f"{AIOHTTP}._make_request", "9cd9b1e26040d84258d2b860a710107f38e57b222edf7948eea59aa566555f62", HTTP,
         "AiohttpHandler._make_request is a copy of this that always sends yarl.URL(url, encoded=True) and turns "
         "a refused status line into InvalidStatus: copy the new version and keep both changes"),
    Hook("scrapy.core.downloader.handlers._aiohttp:_ClientResponse",
         "52ef436f39cde1e587be5f57b33df29dba47f47c023b8f6deefa3298ead08e96", HTTP,
         "AiohttpHandler passes this response class to its session (it keeps the peer address and the TLS "
         "object that _build_base_response_args reads): check it still does"),
    Hook(f"{STREAMING}.__init__", "aab0d1bfa0496c9254ed65819a085de203e2d23015cfe51c02831b3f74a3bd4e", HTTP,
         "AiohttpHandler.__init__ calls this directly (skipping AiohttpDownloadHandler's): check the attributes "
         "it sets (_bind_address, _pool_size_total, _pool_size_per_host) are the ones the copy reads"),
    Hook(f"{STREAMING}._read_response", "26b6c853abb3ed6e472cecc0d6f0f6d8e28f91e54cc88445afacbfa28947607b", HTTP,
         "what a check records rests on this: DOWNLOAD_MAXSIZE against Content-Length and the bytes read, a body "
         "cut short raised as ResponseDataLossError, the certificate from _build_base_response_args"),
]

HOTPATH = "crawler/crawl/hotpath.py"
MIDDLEWARE_MANAGER = "scrapy.core.downloader.middleware:DownloaderMiddlewareManager"
HOOKS += [
    Hook("scrapy.statscollectors:StatsCollector.__getattribute__",
         "a21e390ac4030d4cd25491ee3ae18646300a0c1bfd8fecaefcf1303b5f0cfc90", f"{HOTPATH} (LeanStatsCollector)",
         "LeanStatsCollector drops this override on the assumption that it only wraps the methods in a warning "
         "about their spider argument: check it does nothing more"),
    Hook("scrapy.core.scraper:Scraper.handle_spider_output_async",
         "194d54885f022012af9a24f71b298ebf2f7e7945a7fe2a00f28542ff64ba8dab", f"{HOTPATH} (sequential_spider_output)",
         "use_sequential_spider_output replaces the module-level _parallel_asyncio this calls with "
         "(iterable, CONCURRENT_ITEMS, callable, response): check it still calls it so, through the module global"),
    Hook("scrapy.utils.asyncio:_parallel_asyncio", "d05a3a6213124208ee212d46c7b14f573120006684803e0fa1c8659da83bed26",
         f"{HOTPATH} (sequential_spider_output)",
         "with a count of 1 it is replaced by a loop that hands each output on in turn: check that is still "
         "what it does with one worker"),
    Hook("scrapy.core.downloader:Downloader.__init__", "6214e4413e9edc4441450cb15cc20a6331b99e1696ba06266ae9240690272760",
         f"{DOWNLOADER} and {HOTPATH} (LeanDownloaderMiddlewareManager)",
         "PoliteDownloader turns self.middleware, built here, into a LeanDownloaderMiddlewareManager: check it "
         "is still built here, as a DownloaderMiddlewareManager"),
    Hook(f"{MIDDLEWARE_MANAGER}.download_async", "00e854e1a38ecea29ebcec9f36d8403c3311bb6a6fda4603f000bbf16c8645a6",
         f"{HOTPATH} (LeanDownloaderMiddlewareManager)",
         "the lean manager overrides the three _process_* methods this calls: check it still calls them"),
    Hook(f"{MIDDLEWARE_MANAGER}._process_request", "f2b83efff7fcb8f5a06f91814924800eb7c08d6a4f271773c761a2f4c293206b",
         f"{HOTPATH} (LeanDownloaderMiddlewareManager)", "the lean manager's copy: bring it in line"),
    Hook(f"{MIDDLEWARE_MANAGER}._process_response", "d94bf8a9c51976b374da4380b5a3fcdd8a1956c0475a4153cf13d10435c195a9",
         f"{HOTPATH} (LeanDownloaderMiddlewareManager)", "the lean manager's copy: bring it in line"),
    Hook(f"{MIDDLEWARE_MANAGER}._process_exception", "45cd05273bb73ed75dae894d0505ee6f4711de75095dcfc04265b45bca073b95",
         f"{HOTPATH} (LeanDownloaderMiddlewareManager)", "the lean manager's copy: bring it in line"),
    Hook(f"{MIDDLEWARE_MANAGER}._handle_mw_method", "0efff254fbd873ba63914023732c27223b9119ea4c4b2d671a9c86dfb90ac9e8",
         f"{HOTPATH} (LeanDownloaderMiddlewareManager)",
         "the lean manager calls each method as this does (keyword arguments, spider only for methods in "
         "_mw_methods_requiring_spider): check it still does"),
    Hook("pydispatch.dispatcher:getAllReceivers", "af8989f20a3f20517ef9033ffbb9990cfac3651e51c727cfeb37a842a992b92f",
         f"{HOTPATH} (LeanSignalManager)",
         "has_receivers reads dispatcher.connections for the four (sender or Any) x (signal or Any) keys this "
         "looks up: check those are still the receivers a signal reaches"),
    Hook("scrapy.core.spidermw:SpiderMiddlewareManager.scrape_response_async",
         "aef51d7ee01ec5927d6710e0cb13e973e63cd64e82b91514a80a5bf10e065600", f"{HOTPATH} (LeanSpiderMiddlewareManager)",
         "LeanSpiderMiddlewareManager.scrape_response_async is a copy of this with the output handed on through "
         "one generator when no middleware has process_spider_output: copy the new version and keep that"),
    Hook("scrapy.core.spidermw:SpiderMiddlewareManager._process_callback_output",
         "ca84c4beb32213b7056398dea1ea92746564ec663f35ddaf1d1de7d8081d6aa7", f"{HOTPATH} (LeanSpiderMiddlewareManager)",
         "the lean output path stands for this, _evaluate_iterable and _process_spider_output with no output "
         "method: check it still only guards the output and sends exceptions down the chain from index 0"),
    Hook("scrapy.core.spidermw:SpiderMiddlewareManager._evaluate_iterable",
         "f785959dca943409119c906f74a6dea43e062ea8b7de963dca0b9c417a9be4ff", f"{HOTPATH} (LeanSpiderMiddlewareManager)",
         "LeanSpiderMiddlewareManager._handed_on does what this does: bring it in line"),
    Hook("scrapy.core.spidermw:SpiderMiddlewareManager._process_spider_output",
         "9ec4b7fcb7088a3f0cb4af1b76d27c055544d341b3267a3f3ed6b6bc61b7feee", f"{HOTPATH} (LeanSpiderMiddlewareManager)",
         "with only None methods this only chains the output: check it still does nothing else"),
    Hook("scrapy.core.spidermw:SpiderMiddlewareManager._process_spider_input",
         "c3b9984ad4d1aced13b26bfda21c0e0ee6c4e09931e0e67eb3f68efbf962052a", f"{HOTPATH} (LeanSpiderMiddlewareManager)",
         "the lean scrape_response_async calls it as Scrapy's does: check its arguments and result"),
    Hook("scrapy.core.scraper:Scraper.__init__", "60cfb34ccabfac9dbc4942e302aba25dd71157944063e5207b765c78366c85f1",
         f"{HOTPATH} (use_lean_spider_output)",
         "at engine_started the scraper's self.spidermw, built here, becomes a LeanSpiderMiddlewareManager: "
         "check it is still built here as a SpiderMiddlewareManager"),
    Hook("scrapy.downloadermiddlewares.httpproxy:HttpProxyMiddleware.process_request",
         "2df171aa78a554b34ef5c10d59c90f1a33c4c69c959d5c66716db7f549ff0f74",
         "crawler/crawl/middlewares.py (ProxyMiddleware)",
         "ProxyMiddleware.process_request is a copy of this with proxy_bypass(host) cached per host: copy the "
         "new version and keep that change"),
    Hook("scrapy.downloadermiddlewares.redirect:BaseRedirectMiddleware._build_redirect_request",
         "8ffaadce490f159c5670b4388733d6e850258b15a47c403731d837e76135fd41",
         "crawler/crawl/middlewares.py (ChainCookies)",
         "ChainCookies overrides this to give the next hop the cookies its chain has set: check both redirect "
         "middlewares still build every hop here, with the source request's meta copied and its Cookie header "
         "copied or dropped (tests/crawl/test_redirect_cookies.py fails if they do not)"),
]

RENDER = "crawler/crawl/render_handler.py (RenderHandler)"
HANDLER = "scrapy_playwright.handler:ScrapyPlaywrightDownloadHandler"
HOOKS += [
    Hook(f"{HANDLER}.__init__", "1af6eda92854a92745842be8cc29c487d3b5cefba16344c6004580082d9a7af2", RENDER,
         "RenderHandler sets self.abort_request after this returns (our predicate needs the crawler's "
         "settings, PLAYWRIGHT_ABORT_REQUEST takes none): check the attribute keeps its name and role"),
    Hook(f"{HANDLER}._make_request_handler", "c7274881ffab210f2314529cf09b4069b41ac8f49d30e10d345dec537fe8f882",
         RENDER, "every request the page makes must still go through self.abort_request before continuing: "
         "it is where block_private_addresses reaches the browser"),
    Hook(f"{HANDLER}._download_request_with_page",
         "a590aa75a4a9bff0da75199b328f264b6a85aa0cc048010cb7e082511ecd1ed7", RENDER,
         "with playwright_include_page the page must be in request.meta['playwright_page'] before "
         "navigating, and left open: RenderHandler closes it, also when its deadline cancels the render"),
    Hook(f"{HANDLER}._browser_disconnected_callback",
         "91593df2c07eee5d51c94f7d14f36b8ab06a7c825ff74379e12227efdd26d5a9", RENDER,
         "closing self.browser (memory over render_memory_mb) relies on this deleting self.browser, so "
         "_maybe_launch_browser launches a fresh one for the next page"),
    Hook(f"{HANDLER}._maybe_launch_browser", "e3cfde82db4812b9101edb2bc2ddcf7ade89294a3980ff4156da7852fa097824",
         RENDER, "a restart relies on this launching when self.browser is absent"),
]


def _resolve(target: str) -> object:
    module_name, _, qualname = target.partition(":")
    obj: object = importlib.import_module(module_name)
    for name in qualname.split("."):
        obj = getattr(obj, name)
    return obj


@pytest.mark.parametrize("hook", HOOKS, ids=[h.target.partition(":")[2] for h in HOOKS])
def test_private_upstream_code_is_the_code_we_were_written_against(hook: Hook):
    try:
        source = inspect.getsource(_resolve(hook.target))  # type: ignore[arg-type]
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{hook.target} is gone ({exc}). {hook.user} depends on it: {hook.recheck}.")
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == hook.sha256, (
        f"{hook.target} changed upstream. {hook.user} depends on it: {hook.recheck}. "
        f"Then record its new sha256 here: {digest}")


def test_engine_heartbeat_constant_the_worker_patches():
    """crawler/distributed/worker.py `_crawl` sets ExecutionEngine._SLOT_HEARTBEAT_INTERVAL
    (Scrapy has no setting for it) so an idle worker asks its queue for work every 0.2 s."""
    where = ("crawler/distributed/worker.py `_crawl` patches ExecutionEngine._SLOT_HEARTBEAT_INTERVAL so an "
             "idle worker polls its shared queue often")
    assert getattr(ExecutionEngine, "_SLOT_HEARTBEAT_INTERVAL", None) == 5.0, (
        f"{where}; the constant is gone or its default changed: look for a setting or the new name of the "
        "idle heartbeat, and update the patch")
    assert "heartbeat.start(self._SLOT_HEARTBEAT_INTERVAL)" in inspect.getsource(ExecutionEngine), (
        f"{where}; the engine no longer starts its heartbeat from that constant, so the patch does nothing: "
        "find what now sets the interval")


def test_robots_middleware_keeps_its_parsers_by_netloc():
    middleware = RobotsTxtMiddleware.from_crawler(get_crawler(settings_dict={"ROBOTSTXT_OBEY": True}))
    assert getattr(middleware, "_parsers", None) == {}, (
        "crawler/crawl/robots.py reads RobotsTxtMiddleware._parsers (netloc -> parser, None, or the Deferred "
        "of a fetch in progress), which Scrapy no longer sets: re-check how it now tracks robots.txt fetches")


def test_decompression_bomb_error_carries_the_limit():
    """crawler/crawl/safety.py (BoundedHttpCompressionMiddleware) reads ``max_size`` from the
    private scrapy.utils._compression._DecompressionMaxSizeExceeded that Scrapy chains
    to its IgnoreRequest."""
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 1_000})
    middleware = HttpCompressionMiddleware.from_crawler(crawler)
    response = Response("http://example.test/", body=gzip.compress(bytes(100_000)),
                        headers={"Content-Encoding": "gzip"})
    with pytest.raises(IgnoreRequest) as caught:
        middleware.process_response(Request("http://example.test/"), response)
    assert getattr(caught.value.__cause__, "max_size", None) == 1_000, (
        "crawler/crawl/safety.py reads the limit from the exception HttpCompressionMiddleware chains to its "
        f"IgnoreRequest (was _DecompressionMaxSizeExceeded.max_size; now {caught.value.__cause__!r}): "
        "without it a decompression bomb is reported as a plain ignored request")


@pytest.mark.parametrize("name", ["scrapy.core.downloader.handlers.http11",
                                  "scrapy.core.downloader.handlers._base_streaming"])
def test_download_handler_loggers_the_spider_quiets(name: str):
    module = importlib.import_module(name)
    assert module.logger.name == name, (
        f"spiders/availability.py quiets the logger {name!r} (a failed body is recorded in the check); "
        "Scrapy now logs those failures elsewhere: update the names there")


def test_retry_middleware_settings_backoff_retry_reads():
    """BackoffRetryMiddleware (crawler/crawl/middlewares.py) takes these attributes from
    RetryMiddleware's constructor: public names, but not documented."""
    middleware = RetryMiddleware.from_crawler(get_crawler())
    missing = [name for name in ("retry_http_codes", "exceptions_to_retry", "max_retry_times",
                                 "priority_adjust", "give_up_log_level", "crawler")
               if not hasattr(middleware, name)]
    assert not missing, (
        f"RetryMiddleware no longer sets {missing}; crawler/crawl/middlewares.py BackoffRetryMiddleware reads "
        "them: read the settings there itself")
