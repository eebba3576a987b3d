"""`gdprkit notice`: the notice on standard output or in a file, warnings, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdprkit.cli import main
from gdprkit.consent import notice_digest
from gdprkit.notice import render_notice
from gdprkit.register import load_register

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "register.toml"
PERTY = REPO / "examples" / "registers" / "perty.toml"


def test_notice_to_stdout_is_the_api_rendering(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notice", str(EXAMPLE), "--format", "md", "--lang", "sq"]) == 0
    captured = capsys.readouterr()
    expected = render_notice(load_register(EXAMPLE), language="sq", format="md")
    assert notice_digest(captured.out) == expected.sha256
    assert "draft" in captured.err  # the Albanian catalog is marked draft


def test_notice_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "privacy.html"
    assert main(["notice", str(EXAMPLE), "-o", str(out), "--fragment", "--layer", "short"]) == 0
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<article")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["privacy.html"]


def test_gaps_warn_and_fail_under_strict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notice", str(PERTY), "--format", "text"]) == 0
    assert "gdprkit check" in capsys.readouterr().err
    assert main(["notice", str(PERTY), "--format", "text", "--strict"]) == 1


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[controller]\nname = "x"\ncontact = "y"\n[[purposes]]\nid = "a"\n'
                   'description = "d"\nbasis = "contract"\ncategories = ["shoe_size"]\n',
                   encoding="utf-8")  # fmt: skip
    assert main(["notice", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'shoe_size'" in err
    assert str(bad) in err
    assert "purpose 'a'" in err
    assert main(["notice", str(EXAMPLE), "--lang", "xx"]) == 2
    assert "available: en" in capsys.readouterr().err
