"""A report section is one unit: a module and its template in report/sections/, placed on the page by SECTIONS."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from opcc.report import sections, view
from opcc.report.render import render_page
from opcc.run_record import read

FOLDER = Path(sections.__file__).parent


def test_each_section_is_a_module_and_its_template_side_by_side():
    names = [s.__name__.rsplit(".", 1)[-1] for s in sections.SECTIONS]
    assert sorted(p.stem for p in FOLDER.glob("*.html")) == sorted(names)
    for section in sections.SECTIONS:
        assert isinstance(section.ANCHOR, str) and (section.NAV is None or isinstance(section.NAV, str))
        assert callable(section.build)
        template = (FOLDER / f"{section.__name__.rsplit('.', 1)[-1]}.html").read_text(encoding="utf-8")
        assert f'id="{section.ANCHOR}"' in template  # the navigation's link lands on it


def test_the_page_follows_sections_and_shows_no_marts_section_without_marts(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"run_id": "r1", "run_date": "2019-06-04", "started_at": "x"}))
    page = view.page(read(run_dir), None, "The build could not be read: gone", None, run_dir,
                     has_docs=False, has_dbt_docs=False, generated=dt.datetime(2019, 6, 4, 7))
    assert [s.anchor for s in page.sections] == ["status", "reference", "files", "build", "checks", "publications",
                                                 "headroom"]
    html = render_page(page, prefix="", history="history.html")
    assert re.findall(r' id="([a-z]+)"', html) == ["status", "reference", "files", "build", "checks",
                                                       "publications", "headroom"]
    links = re.findall(r'<a href="#([a-z]+)">', html)
    assert links == ["status", "reference", "files", "checks", "publications", "headroom"]
    assert "The build could not be read: gone" in html
    assert "Commissioning intentions" not in html and 'id="unmapped"' not in html
