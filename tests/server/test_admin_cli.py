"""The admin command line: unit and baseline files (all rows or none), plan files, the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from schemas.catalog import shipped_plans
from sync_server import cli
from sync_server.config import make_settings
from sync_server.db import Database
from sync_server.services.audit import list_audit
from sync_server.services.unit_files import UNIT_COLUMNS
from sync_server.services.units import subtree_rows

HEAD = "code,name,type,parent,tags,year,population,local_mediators\n"


def _db(url: str) -> Database:
    return Database.from_settings(make_settings({"database_url": url}))


def _codes(url: str) -> list[str]:
    db = _db(url)
    try:
        with db.session() as s:
            return sorted(u.code for u in subtree_rows(s, root_path="LC"))
    finally:
        db.dispose()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'admin.sqlite3'}"


def test_import_units__a_bad_row_means_nothing_is_written(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text(
        HEAD
        + "LC,Tỉnh Lào Cai,city,,,2024,700000,\n"
        + "LC-BX,Huyện Bát Xát,district,LC,border;suburban,2024,80000,\n"
        + "LC-BX-A,Xã A Mú Sung,commune,LC-BX,key_area,2024,many,12\n"  # row 4: not a number
        + "LC-BX-A,Xã A Mú Sung,commune,LC-BX,key_area,20x4,,\n"  # row 5: bad year
        + "LC BAD,Xã B,commune,LC-BX,,,,\n"  # row 6: a space in the code
        + "LC-BX,Huyện Khác,district,LC,,2025,1,\n",  # row 7: same code, other name
        encoding="utf-8",
    )
    assert cli.main(["import-units", str(bad), "--database-url", url]) == 2
    err = capsys.readouterr().err
    for row in ("Dòng 4", "Row 5", "Dòng 6", "Row 7"):
        assert row in err, err
    assert _codes(url) == []

    orphan = tmp_path / "orphan.csv"
    orphan.write_text(HEAD + "LC,Tỉnh Lào Cai,city,,,,,\nLC-X,Xã X,commune,NOWHERE,,,,\n", encoding="utf-8")
    assert cli.main(["import-units", str(orphan), "--database-url", url]) == 2
    assert _codes(url) == []  # the good row was not kept either


def test_import_units__csv_and_xlsx_round_trip_with_audit(url: str, tmp_path: Path) -> None:
    good = tmp_path / "units.csv"
    good.write_text(
        HEAD
        + "LC,Tỉnh Lào Cai,city,,,,,\n"
        + "LC-BX,Huyện Bát Xát,district,LC,border;suburban,2024,80000,\n"
        + "LC-BX,Huyện Bát Xát,district,LC,border;suburban,2025,81000,\n"
        + "LC-BX-HG,Tổ hòa giải thôn 1,mediation_team,LC-BX,,2025,,7\n",
        encoding="utf-8",
    )
    assert cli.main(["import-units", str(good), "--database-url", url]) == 0
    assert _codes(url) == ["LC", "LC-BX", "LC-BX-HG"]

    out = tmp_path / "out.xlsx"
    assert cli.main(["export-units", str(out), "--root", "LC", "--database-url", url]) == 0
    from openpyxl import load_workbook

    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == UNIT_COLUMNS
    bx = [r for r in rows[1:] if r[0] == "LC-BX"]
    assert [(r[4], r[5], r[6]) for r in bx] == [
        ("border;suburban", 2024, 80000),
        ("border;suburban", 2025, 81000),
    ]

    # an XLSX import: new population for 2025 only; 2024 stays
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "type", "parent", "tags", "year", "population"])
    ws.append(["LC-BX", "Huyện Bát Xát", "district", "LC", "border;suburban", 2025, 82000])
    path = tmp_path / "update.xlsx"
    wb.save(path)
    assert cli.main(["import-units", str(path), "--database-url", url]) == 0
    csv_out = tmp_path / "out.csv"
    assert cli.main(["export-units", str(csv_out), "--database-url", url]) == 0
    text = csv_out.read_text(encoding="utf-8-sig")
    assert "LC-BX,Huyện Bát Xát,district,LC,border;suburban,2024,80000" in text
    assert "LC-BX,Huyện Bát Xát,district,LC,border;suburban,2025,82000" in text

    db = _db(url)
    with db.session() as s:
        entries = list_audit(s, entity="unit", entity_id="LC-BX")
    db.dispose()
    assert [e.action for e in entries] == ["update", "create"]
    assert entries[0].actor.startswith("cli:") and entries[0].detail["baselines_changed"] == ["2025"]


def test_plans__check_and_load_with_clear_errors(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = shipped_plans()[0].model_dump(mode="json")
    raw["id"] = "lao_cai_2025"
    good = tmp_path / "plan.json"
    good.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["check-plan", str(good), "--database-url", url]) == 0
    assert "lao_cai_2025 is valid: 5 indicator(s)" in capsys.readouterr().out

    raw["measures"][0]["form_id"] = "no_form"
    raw["indicators"][0]["milestones"].reverse()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    assert cli.main(["check-plan", str(bad), "--database-url", url]) == 2
    assert "not in date order" in capsys.readouterr().err
    raw["indicators"][0]["milestones"].reverse()
    bad.write_text(json.dumps(raw), encoding="utf-8")
    assert cli.main(["load-plan", str(bad), "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert "vi: measures[0] (surveys): không có biểu mẫu no_form." in err and "en: measures[0]" in err

    assert cli.main(["load-plan", str(good), "--database-url", url]) == 0
    assert "plan lao_cai_2025 stored" in capsys.readouterr().out
    assert cli.main(["load-plan", str(good), "--database-url", url]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert cli.main(["audit", "--entity", "plan", "--database-url", url]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" ")[3:6] for line in lines] == [
        ["create", "plan", "lao_cai_2025"],  # by the OS user on the command line
        ["seed", "plan", "hanoi_pbgdpl_2021_2027"],  # the shipped plan, at the first start
    ]
    assert lines[0].split(" ")[2].startswith("cli:") and lines[1].split(" ")[2] == "system"
