"""Make the GX Data Docs site work offline.

GX 1.24's Data Docs pages load Bootstrap, jQuery, bootstrap-table, Vega and Font Awesome from public
CDNs and the GX logo from S3. The nightly machines have no internet and the finance report must not
make requests off the machine, so every external asset reference is removed and a small inline
stylesheet takes Bootstrap's place. The validation and suite pages are rendered server-side and stay
readable; GX's own index.html fills its tables with bootstrap-table (JavaScript), so an offline
`contents.html` listing every page is written alongside it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
_EXTERNAL_LINK = re.compile(r"<link[^>]*\bhref=\"https?://[^\"]*\"[^>]*/?>", re.I)
_EXTERNAL_SRC = re.compile(r"\bsrc=\"https?://[^\"]*\"", re.I)
_EXTERNAL_CSS_URL = re.compile(r"url\(\s*['\"]?https?://[^)'\"]*['\"]?\s*\)", re.I)

OFFLINE_CSS = r"""<style id="opcc-offline">
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
pre,code{white-space:pre-wrap;font-size:.85em}.alert{padding:.5rem;border:1px solid #ddd;background:#f6f6f6}
.nav,.navbar{list-style:none;padding:0}
.fa-check-circle::before{content:"\2714  passed";color:#2e7d32;font-style:normal;font-weight:bold}
.fa-times::before{content:"\2718  failed";color:#b3261e;font-style:normal;font-weight:bold}
.nav li{display:inline-block;margin-right:1rem}.d-none,.modal{display:none}
</style>"""


def strip_external_assets(page: str) -> str:
    page = _EXTERNAL_SCRIPT.sub("", page)
    page = _EXTERNAL_LINK.sub("", page)
    page = _EXTERNAL_SRC.sub('src="data:,"', page)
    page = _EXTERNAL_CSS_URL.sub("none", page)
    if "opcc-offline" not in page:
        page = re.sub(r"</head>", OFFLINE_CSS + "</head>", page, count=1, flags=re.I)
    return page


def make_offline(data_docs_dir: Path) -> Path:
    """Strip external assets from every page under `data_docs_dir`; write and return contents.html."""
    pages = sorted(p for p in data_docs_dir.rglob("*.html") if p.name != "contents.html")
    for page in pages:
        text = page.read_text(encoding="utf-8")
        cleaned = strip_external_assets(text)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")
    for sheet in data_docs_dir.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        cleaned = _EXTERNAL_CSS_URL.sub("none", text)
        if cleaned != text:
            sheet.write_text(cleaned, encoding="utf-8")
    items = []
    for page in pages:
        rel = page.relative_to(data_docs_dir).as_posix()
        if rel == "index.html":
            continue
        kind = "Validation result" if rel.startswith("validations/") else "Expectation suite"
        parts = rel.split("/")
        label = parts[1] if kind == "Validation result" else Path(rel).stem
        items.append(f'<li>{kind}: <a href="{html.escape(rel)}">{html.escape(label)}</a></li>')
    contents = data_docs_dir / "contents.html"
    contents.write_text(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data Docs</title>"
        + OFFLINE_CSS
        + "</head><body><h1>Great Expectations Data Docs</h1>"
        "<p>The checks (expectations/&lt;suite&gt;/*.sql, described in checks.yml) and this run's validation results, "
        "rendered by Great Expectations. External assets were removed so the pages open offline.</p><ul>"
        + "".join(items)
        + "</ul></body></html>\n",
        encoding="utf-8",
    )
    return contents
