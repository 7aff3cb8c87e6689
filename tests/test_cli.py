"""The command line: every command has help with an example and is documented in README."""

from __future__ import annotations

import argparse

import pytest

from crawler import __version__
from crawler.cli import build_parser, main
from crawler.store.database import Store
from tests.conftest import ROOT, run_cli

COMMANDS = sorted(
    name
    for action in build_parser()._actions
    if isinstance(action, argparse._SubParsersAction)
    for name in action.choices
)


def test_the_documented_commands_exist():
    assert {"check-config", "export", "prune", "report", "run", "worker"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "Example:" in out and f"healthcrawl {command}" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    assert f"healthcrawl {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 3]
    assert block[0].startswith("./scripts/run.sh") and block[1].startswith("./scripts/test.sh")
    assert "pytest" in (ROOT / "scripts" / "test.sh").read_text()
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fly"])
    assert info.value.code == 2


# -- conventions ---------------------------------------------------------------------------


def _all_actions():
    parser = build_parser()
    subs = {name: sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, sub in action.choices.items()}
    yield from (("healthcrawl", a) for a in parser._actions)
    for name, sub in subs.items():
        yield from ((f"healthcrawl {name}", a) for a in sub._actions)


@pytest.mark.parametrize(("where", "action"), list(_all_actions()), ids=lambda x: getattr(x, "dest", x))
def test_every_option_has_help_text(where, action):
    assert action.help and action.help != argparse.SUPPRESS, f"{where}: {action.option_strings or action.dest}"


@pytest.mark.parametrize(("command", "short", "long"), [
    (name, short, long)
    for name in ("run",) for short, long in (("-c", "--config"), ("-d", "--db"), ("-o", "--out"),
                                             ("-q", "--quiet"), ("-v", "--verbose"))
] + [("report", "-d", "--db"), ("report", "-o", "--out"), ("prune", "-d", "--db"), ("export", "-d", "--db"),
     ("search", "-d", "--db"), ("check-config", "-c", "--config"), ("notify", "-c", "--config"),
     ("check", "-q", "--quiet"), ("check", "-v", "--verbose")])
def test_the_common_flags_have_their_short_options(command, short, long):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    [action] = [a for a in sub._actions if long in a.option_strings]
    assert short in action.option_strings


def test_version_short_and_long():
    for flag in ("-V", "--version"):
        result = run_cli(flag)
        assert result.returncode == 0 and result.stdout.strip() == f"healthcrawl {__version__}"


def test_a_misspelled_command_or_choice_gets_a_suggestion():
    result = run_cli("rnu")
    assert result.returncode == 2 and "invalid choice: 'rnu'" in result.stderr and "did you mean 'run'?" in result.stderr
    result = run_cli("run", "--fail-on", "link")
    assert result.returncode == 2 and "did you mean 'links'?" in result.stderr
    result = run_cli("run", "--notify-on", "down,brokenlinks")
    assert result.returncode == 2 and "unknown event 'brokenlinks'" in result.stderr \
        and "did you mean 'broken_links'?" in result.stderr


def test_notify_without_an_action_says_which(tmp_path):
    result = run_cli("notify", "-c", str(tmp_path / "none.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip() == ("healthcrawl: error: notify needs an action: `healthcrawl notify test` "
                                     "sends a sample to every channel")


def test_notify_test_and_notify_dash_dash_test_are_one_command(tmp_path):
    config = tmp_path / "resources.yaml"
    config.write_text("resources:\n  - name: A\n    url: https://a.example/\n")
    for args in (("notify", "test", "-c", str(config)), ("notify", "-c", str(config), "test"),
                 ("notify", "--test", "-c", str(config))):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert result.stderr.strip() == f"healthcrawl: error: {config}: no notify.apprise channels or " \
                                        "notify.webhooks to send to", args


def test_one_resource_is_singular(tmp_path):
    config = tmp_path / "resources.yaml"
    config.write_text("resources:\n  - name: A\n    url: https://a.example/\n")
    result = run_cli("check-config", "-c", str(config))
    assert result.returncode == 0 and result.stdout.strip() == f"{config}: OK, 1 resource"


def test_report_prints_one_line(tmp_path):
    db = tmp_path / "health.db"
    Store(db).close()
    result = run_cli("report", "-d", str(db), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("healthcrawl: wrote ") and line.endswith(f"for no run yet; report: {tmp_path / 'out' / 'index.html'}")
    listed = run_cli("report", "-d", str(db), "-o", str(tmp_path / "out"), "-v")
    assert str(tmp_path / "out" / "status.json") in listed.stdout
