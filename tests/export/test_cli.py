"""``gdprkit export`` and ``gdprkit verify-package`` through ``gdprkit.cli.main``."""

from __future__ import annotations

import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gdprkit.cli import main
from gdprkit.export import _package, read_package

REPO = Path(__file__).resolve().parents[2]

REGISTER = str(REPO / "examples" / "register.toml")
WHEN = "2025-03-14T09:30:00+00:00"


def _jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    return {
        "orders": _jsonl(tmp_path / "orders.jsonl", [{"order": "A-1", "total": "9.90"}] * 3),
        "scores": _jsonl(tmp_path / "scores.jsonl", [{"score": 0.4}]),
    }


def _export(tmp_path: Path, inputs: dict[str, Path], *extra: str) -> int:
    return main(
        [
            "export",
            "--register",
            REGISTER,
            "--subject",
            "tok-7f3a",
            "--dataset",
            f"orders=order_fulfilment:{inputs['orders']}",
            "--dataset",
            f"scores=fraud_prevention:{inputs['scores']}",
            "-o",
            str(tmp_path / "out.zip"),
            "--generated-at",
            WHEN,
            *extra,
        ]
    )


def test_export_writes_package_and_html_report(
    tmp_path: Path, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export(tmp_path, inputs, "--report", str(tmp_path / "report.html")) == 0
    out = capsys.readouterr().out
    assert "1 dataset(s), 3 record(s)" in out
    assert "left out dataset 'scores': basis" in out
    package = read_package(tmp_path / "out.zip")
    assert package.load() == {"orders": [{"order": "A-1", "total": "9.90"}] * 3}
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    sections: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "section":
                sections.append(str(dict(attrs).get("id")))

    Parser().feed(page)
    assert {"purposes", "rights", "complaint", "data"} <= set(sections)
    assert "tok-7f3a" in page  # the reference the subject can quote back


def test_export_json_report_and_deterministic_bytes(
    tmp_path: Path, inputs: dict[str, Path]
) -> None:
    assert _export(tmp_path, inputs, "--report", str(tmp_path / "report.json")) == 0
    first = (tmp_path / "out.zip").read_bytes()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["format"] == "gdprkit-access-report"
    assert [d["name"] for d in report["datasets"]] == ["orders", "scores"]
    assert _export(tmp_path, inputs) == 0
    assert (tmp_path / "out.zip").read_bytes() == first


@pytest.mark.parametrize(
    ("flag", "included"),
    [((), True), (("--include-observed",), True), (("--no-include-observed",), False)],
)
def test_observed_data_follow_wp242_unless_narrowed(
    tmp_path: Path,
    inputs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    flag: tuple[str, ...],
    included: bool,
) -> None:
    # examples/register.toml: web_analytics is consent-based and observed only.  WP242 rev.01
    # counts observed data as provided (Art. 20(1)); --no-include-observed keeps the narrow one.
    visits = _jsonl(tmp_path / "visits.jsonl", [{"page": "/"}])
    assert _export(tmp_path, inputs, "--dataset", f"visits=web_analytics:{visits}", *flag) == 0
    out = capsys.readouterr().out
    package = read_package(tmp_path / "out.zip")
    assert ("visits" in package.dataset_names()) is included
    assert ("left out dataset 'visits': provenance" in out) is not included
    assert package.manifest["scope"]["include_observed"] is included


def test_verify_package_ok_and_tampered(
    tmp_path: Path, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export(tmp_path, inputs) == 0
    capsys.readouterr()
    assert main(["verify-package", str(tmp_path / "out.zip")]) == 0
    assert "OK" in capsys.readouterr().out
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(tmp_path / "out.zip") as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "data/orders.jsonl":
                data = data.replace(b"A-1", b"A-2")
            new.writestr(info, data)
    assert main(["verify-package", str(bad), "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["member"] == "data/orders.jsonl"


def test_input_errors_exit_2_with_one_line(
    tmp_path: Path, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"a": 1}\n{not json\n', encoding="utf-8")
    code = main(
        [
            "export",
            "--register",
            REGISTER,
            "--subject",
            "t",
            "--dataset",
            f"x=account:{broken}",
            "-o",
            str(tmp_path / "o.zip"),
            "--generated-at",
            WHEN,
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "broken.jsonl, line 2" in err
    assert not (tmp_path / "o.zip").exists()
    assert main(["verify-package", str(tmp_path / "missing.zip")]) == 2
    assert (
        main(
            [
                "export",
                "--register",
                REGISTER,
                "--subject",
                "t",
                "--dataset",
                "bad-spec",
                "-o",
                str(tmp_path / "o.zip"),
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "export",
                "--register",
                REGISTER,
                "--subject",
                "t",
                "--dataset",
                f"x=nope:{inputs['orders']}",
                "-o",
                str(tmp_path / "o.zip"),
            ]
        )
        == 2
    )
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".zip", ".tmp")] == []


def test_jobs_choose_the_csv_helper_and_keep_the_bytes(
    tmp_path: Path, inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_package, "_HELPER_AFTER", 1)  # so that these datasets count as large
    assert _export(tmp_path, inputs, "--jobs", "0") == 0
    alone = (tmp_path / "out.zip").read_bytes()
    assert _export(tmp_path, inputs, "--jobs", "1") == 0
    assert (tmp_path / "out.zip").read_bytes() == alone
    with pytest.raises(SystemExit) as usage:  # argparse's own usage error
        _export(tmp_path, inputs, "--jobs", "2")
    assert usage.value.code == 2
