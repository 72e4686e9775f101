"""The report's two charts, as geometry: where each bar, label and figure goes. The markup is in
templates/charts.html (inline SVG: no JavaScript, no external fonts or requests)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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


@dataclass(frozen=True)
class Label:
    x: int
    y: str
    text: str


@dataclass(frozen=True)
class Bar:
    x: str
    y: int
    width: str
    height: int
    fill: str
    tooltip: str


@dataclass(frozen=True)
class ShareRow:
    labels: list[Label]
    bar: Bar
    figure_x: str
    figure_y: int
    share: str  # 35.5%
    total: str  # £1,234,000


@dataclass(frozen=True)
class ShareChart:
    title: str
    width: int
    height: int
    label_w: int
    rows: list[ShareRow]


def share_bars(rows: list[dict[str, Any]], title: str) -> ShareChart:
    """Horizontal bars of each row's share of the total: rows have `label`, `share` (0-1) and `total` (£)."""
    label_w, bar_w, row_h, top = 300, 330, 46, 34
    max_share = max((to_decimal(r["share"]) or Decimal(0) for r in rows), default=Decimal(0)) or Decimal(1)
    out = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        share = to_decimal(r["share"]) or Decimal(0)
        length = float(share / max_share) * bar_w if max_share else 0.0
        label = str(r["label"])
        out.append(ShareRow(
            labels=[Label(label_w - 8, str(y + 16 + j * 15), line) for j, line in enumerate(_wrap(label, 40)[:2])],
            bar=Bar(str(label_w), y + 4, f"{length:.1f}", row_h - 16, PALETTE[i % len(PALETTE)],
                    f"{label}: {percent(share)} ({gbp(r['total'])})"),
            figure_x=f"{label_w + length + 6:.1f}", figure_y=y + 21, share=percent(share), total=gbp(r["total"]),
        ))
    return ShareChart(title, label_w + bar_w + 170, top + row_h * max(len(rows), 1) + 10, label_w, out)


@dataclass(frozen=True)
class PositionRow:
    labels: list[Label]
    committed: Bar
    planned: Bar
    budget: Bar


@dataclass(frozen=True)
class PositionChart:
    title: str
    width: int
    height: int
    label_w: int
    rows: list[PositionRow]


def position_bars(rows: list[dict[str, Any]], title: str) -> PositionChart:
    """Per funding source: budget as an outline, committed + planned as stacked bars inside it.

    rows: `label`, `budget`, `committed`, `planned`.
    """
    label_w, bar_w, row_h, top = 230, 420, 44, 54
    scale_max = max(
        (max(to_decimal(r["budget"]) or Decimal(0),
             (to_decimal(r["committed"]) or Decimal(0)) + (to_decimal(r["planned"]) or Decimal(0)))
         for r in rows),
        default=Decimal(0),
    ) or Decimal(1)

    def px(value: Decimal) -> float:
        return float(value / scale_max) * bar_w

    out = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        budget = to_decimal(r["budget"]) or Decimal(0)
        committed = to_decimal(r["committed"]) or Decimal(0)
        planned = to_decimal(r["planned"]) or Decimal(0)
        lines = _wrap(str(r["label"]), 30)[:2]
        out.append(PositionRow(
            labels=[Label(label_w - 8, f"{y + 20 + (j - (len(lines) - 1) / 2) * 14:.0f}", line)
                    for j, line in enumerate(lines)],
            committed=Bar(str(label_w), y + 6, f"{px(committed):.1f}", 22, "#1f4e79", f"Committed {gbp(committed)}"),
            planned=Bar(f"{label_w + px(committed):.1f}", y + 6, f"{px(planned):.1f}", 22, "#9ecae1",
                        f"Planned {gbp(planned)}"),
            budget=Bar(str(label_w), y + 2, f"{px(budget):.1f}", 30, "none", f"Budget {gbp(budget)}"),
        ))
    return PositionChart(title, label_w + bar_w + 40, top + row_h * max(len(rows), 1) + 10, label_w, out)
