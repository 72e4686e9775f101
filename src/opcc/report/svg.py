"""Inline SVG charts, written by hand: no JavaScript, no external fonts or requests."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from opcc.report.formatting import gbp, percent, to_decimal

PALETTE = ("#1f4e79", "#2e8540", "#b35c00", "#6a3d9a", "#8c1c13", "#00727a", "#5f5f5f")


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines or [""]


def share_bars(rows: list[dict], title: str) -> str:
    """Horizontal bars of each row's share of the total: rows have `label`, `share` (0-1) and `total` (£)."""
    label_w, bar_w, row_h, top = 300, 330, 46, 34
    width = label_w + bar_w + 170
    height = top + row_h * max(len(rows), 1) + 10
    max_share = max((to_decimal(r["share"]) or Decimal(0) for r in rows), default=Decimal(0)) or Decimal(1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Arial, Helvetica, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold" fill="#1b1b1b">{escape(title)}</text>',
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        share = to_decimal(r["share"]) or Decimal(0)
        length = float(share / max_share) * bar_w if max_share else 0.0
        colour = PALETTE[i % len(PALETTE)]
        lines = _wrap(str(r["label"]), 40)[:2]
        for j, line in enumerate(lines):
            parts.append(f'<text x="{label_w - 8}" y="{y + 16 + j * 15}" text-anchor="end" fill="#1b1b1b">{escape(line)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 16}" fill="{colour}">'
            f"<title>{escape(str(r['label']))}: {percent(share)} ({gbp(r['total'])})</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + length + 6:.1f}" y="{y + 21}" fill="#1b1b1b"><tspan font-weight="bold">{percent(share)}</tspan>'
            f" ({escape(gbp(r['total']))})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def position_bars(rows: list[dict], title: str) -> str:
    """Per funding source: budget as an outline, committed + planned as stacked bars inside it.

    rows: `label`, `budget`, `committed`, `planned`.
    """
    label_w, bar_w, row_h, top = 230, 420, 44, 54
    width = label_w + bar_w + 40
    height = top + row_h * max(len(rows), 1) + 10
    scale_max = max(
        (max(to_decimal(r["budget"]) or Decimal(0), (to_decimal(r["committed"]) or Decimal(0)) + (to_decimal(r["planned"]) or Decimal(0))) for r in rows),
        default=Decimal(0),
    ) or Decimal(1)

    def px(value: Decimal) -> float:
        return float(value / scale_max) * bar_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Arial, Helvetica, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold" fill="#1b1b1b">{escape(title)}</text>',
        f'<rect x="{label_w}" y="28" width="12" height="12" fill="#1f4e79"/><text x="{label_w + 16}" y="39">Committed</text>',
        f'<rect x="{label_w + 100}" y="28" width="12" height="12" fill="#9ecae1"/><text x="{label_w + 116}" y="39">Planned</text>',
        f'<rect x="{label_w + 190}" y="28" width="12" height="12" fill="none" stroke="#b30000" stroke-width="2"/><text x="{label_w + 206}" y="39">Budget</text>',
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        budget = to_decimal(r["budget"]) or Decimal(0)
        committed = to_decimal(r["committed"]) or Decimal(0)
        planned = to_decimal(r["planned"]) or Decimal(0)
        lines = _wrap(str(r["label"]), 30)[:2]
        for j, line in enumerate(lines):
            parts.append(f'<text x="{label_w - 8}" y="{y + 20 + (j - (len(lines) - 1) / 2) * 14:.0f}" text-anchor="end">{escape(line)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 6}" width="{px(committed):.1f}" height="22" fill="#1f4e79"><title>Committed {gbp(committed)}</title></rect>')
        parts.append(
            f'<rect x="{label_w + px(committed):.1f}" y="{y + 6}" width="{px(planned):.1f}" height="22" fill="#9ecae1"><title>Planned {gbp(planned)}</title></rect>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{px(budget):.1f}" height="30" fill="none" stroke="#b30000" stroke-width="2"><title>Budget {gbp(budget)}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)
