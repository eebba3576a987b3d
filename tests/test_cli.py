"""The command-line dispatcher: each command imports only its own module, and none is lost."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from gdprkit.cli import _MODULE_OF_COMMAND, _build_parser, build_parser, main


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_every_command_is_mapped_to_the_module_that_defines_it() -> None:
    assert _commands(build_parser()) == set(_MODULE_OF_COMMAND)
    for command, module in _MODULE_OF_COMMAND.items():
        assert command in _commands(_build_parser((module,)))


def test_top_level_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in _MODULE_OF_COMMAND:
        assert command in out


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["no-such-command"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_masking_a_log_loads_no_register_export_or_retention_code(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text('192.0.2.7 - - [17/May/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n')
    out = tmp_path / "masked.log"
    script = (
        "import sys\n"
        "from gdprkit.cli import main\n"
        f"code = main(['ip', 'mask', '-q', '--method', 'ga', {str(log)!r}, '-o', {str(out)!r}])\n"
        "heavy = [m for m in sys.modules if m.startswith(('gdprkit.register', 'gdprkit.export',"
        " 'gdprkit.retention'))]\n"
        "print(code, heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0 []"
    assert out.read_text().startswith("192.0.2.0 - - ")
