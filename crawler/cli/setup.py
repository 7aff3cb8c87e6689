"""The commands that check the setup before anything runs: `check-config` and
`notify test`."""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli.common import (
    EXIT_DOWN,
    EXIT_OK,
    EXIT_USAGE,
    add_command,
    browser_ready,
    config_option,
    fail,
)
from crawler.core.config import load_config
from crawler.core.wording import counted


def add_commands(commands: argparse._SubParsersAction) -> None:
    notify = add_command(
        commands, "notify", "send a sample of every event to every notification channel",
        "`notify test` sends every Apprise channel of notify.apprise a sample digest, and every\n"
        "webhook a `test` payload, each holding one item of every event the channel's `on:` list\n"
        "asks for, and says which were delivered. Nothing is stored. `notify --test` is the same.\n"
        "Exit code 0: all delivered; 1: some failed; 2: no channel configured.",
        "  healthcrawl notify test -c resources.yaml")
    config_option(notify, "resources file whose notify: block to use")
    notify.add_argument("--test", action="store_true", help="the same as `notify test`")
    actions = notify.add_subparsers(dest="notify_action", metavar="ACTION", help="test: the only action")
    test = actions.add_parser("test", help="send the samples and report each channel",
                              description="Send the samples and report each channel.")
    test.add_argument("-c", "--config", type=Path, default=argparse.SUPPRESS,
                      metavar="PATH", help="resources file whose notify: block to use (default: resources.yaml)")
    notify.set_defaults(handler=cmd_notify)

    check = add_command(
        commands, "check-config", "validate the resources file and exit",
        "Validate the resources file without making any request.",
        "  healthcrawl check-config -c resources.yaml")
    config_option(check, "resources file to validate")
    check.set_defaults(handler=cmd_check_config)


def cmd_check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not browser_ready(config):
        return EXIT_USAGE
    print(f"{args.config}: OK, {counted(len(config.resources), 'resource')}")
    return EXIT_OK


def cmd_notify(args: argparse.Namespace) -> int:
    from crawler.cli.crawl import print_deliveries
    from crawler.report.notify import notify_test

    if not (args.test or args.notify_action == "test"):
        return fail("notify needs an action: `healthcrawl notify test` sends a sample to every channel")
    config = load_config(args.config)
    if not (config.notify.webhooks or config.notify.apprise):
        return fail(f"{args.config}: no notify.apprise channels or notify.webhooks to send to")
    deliveries = notify_test(config)
    print_deliveries(deliveries, verbose=True)
    failed = sum(not d.ok for d in deliveries)
    print(f"healthcrawl: test sent to {counted(len(deliveries), 'channel')}, {len(deliveries) - failed} delivered, "
          f"{failed} failed")
    return EXIT_DOWN if failed else EXIT_OK
