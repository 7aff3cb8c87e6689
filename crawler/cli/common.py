"""What every command shares: exit codes, the error line, the common options (one
spelling each, short and long) and the argument types."""

from __future__ import annotations

import argparse
import difflib
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.core.config import EVENTS
from crawler.core.layout import DEFAULT_DB, REPORT_DIR
from crawler.core.timeutil import DURATION_EXAMPLES, DurationError, parse_duration, parse_since, utcnow

EXIT_OK, EXIT_DOWN, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
EXIT_CODES = ("Exit codes: 0 all up, 1 something down, a link broken or the run incomplete, "
              "2 usage, config or database error, 3 another run is using the database.")
DEFAULT_CONFIG = Path("resources.yaml")


class Parser(argparse.ArgumentParser):
    """argparse, plus "did you mean" for a misspelled command or choice."""

    def error(self, message: str) -> Any:  # argparse's own signature: it never returns
        if "invalid choice: '" in message:
            wrong = message.split("invalid choice: '", 1)[1].split("'", 1)[0]
            choices = message.rsplit("(choose from ", 1)[-1].rstrip(")").replace("'", "").split(", ")
            close = difflib.get_close_matches(wrong, choices, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
        super().error(message)


def add_command(commands: argparse._SubParsersAction, name: str, summary: str, description: str,
                example: str) -> argparse.ArgumentParser:
    """A command whose --help says what it does and ends with an example."""
    return commands.add_parser(name, help=summary, description=f"{description}\n\nExample:\n{example}",
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"healthcrawl: error: {message}", file=sys.stderr)
    return code


def warn(message: str) -> None:
    print(f"healthcrawl: warning: {message}", file=sys.stderr)


# -- the common options ------------------------------------------------------------------


def config_option(parser: argparse.ArgumentParser, what: str = "resources file to check") -> None:
    parser.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"{what} (default: resources.yaml)")


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-d", "--db", type=Path, default=DEFAULT_DB, metavar="PATH",
                        help=f"report database, kept out of the published folder (default: {DEFAULT_DB})")


def out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--out", type=Path, default=REPORT_DIR, metavar="DIR",
                        help="the folder to publish: index.html, status.json, feeds and the rest of the report "
                        f"(default: {REPORT_DIR}/)")


def verbose_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-v info, -vv debug); default is warnings only")


def output_options(parser: argparse.ArgumentParser) -> None:
    """-q and --format: what a run or a check prints on stdout."""
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print the summary line alone, not what is down or broken")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (default): the summary line, then one line per problem; "
                        "json: the same as one JSON document")


# -- argument types ----------------------------------------------------------------------


def since_arg(text: str) -> datetime:
    """--since: a period back from now (7d, 12h, 2w) or a date (crawler.core.timeutil)."""
    try:
        return parse_since(text, utcnow())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def period_arg(text: str) -> float:
    """A period in seconds, with its unit (90d, 12w, 36h); 0 alone is zero."""
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(f"{exc}") from None


def events_arg(text: str) -> tuple[str, ...]:
    events = tuple(e.strip() for e in text.split(",") if e.strip())
    for event in events:
        if event not in EVENTS:
            close = difflib.get_close_matches(event, EVENTS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise argparse.ArgumentTypeError(f"unknown event {event!r} (use {', '.join(EVENTS)}){hint}")
    return events


def count_arg(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def depth_arg(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number of 0 or more: {text!r}")
    return int(text)


PERIOD_HELP = f"with its unit: {DURATION_EXAMPLES}"


def browser_ready(config: Any) -> bool:
    """A resource with render: true needs Chromium here (an error); one with render: auto
    is read without it (a warning)."""
    from crawler.core.config import effective_render

    if all(effective_render(r, config.settings) == "off" for r in config.resources):
        return True  # and Scrapy stays unimported for check-config
    from crawler.crawl.render import render_problems

    errors, warnings = render_problems(config)
    for warning in warnings:
        warn(warning)
    for error in errors:
        fail(error)
    return not errors
