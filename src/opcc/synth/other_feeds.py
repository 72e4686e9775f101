"""The other synthetic feeds: budgets reconciling to the budget controls, commitments and planned projects that
never over-commit a funding source, and the Police Property Act receipts and grants."""


from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from opcc.synth.vocabulary import (
    _BUDGETS,
    _COMMIT,
    _GRANTS,
    _PLANNED,
    _PPA,
    BUDGET_LINES,
    COMMITMENT_TITLES,
    FIRST_FY,
    FUND_NAMES,
    GRANT_CONDITIONS,
    LAST_FY,
    ORG_NOUNS,
    PC_FUNDS,
    PROJECT_TITLES,
    TOWNS,
    _dmy,
    _expense_area_rules,
    _fy_label,
    _fy_slug,
    _money,
    _reference,
    _rng,
    _weekdays,
    _write_csv,
)

# -- the other feeds ------------------------------------------------------------------------------

def _controls() -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for r in _reference("budget_controls.csv"):
        year = int(r["financial_year"][:4])
        out.setdefault(year, {})[r["control_code"]] = round(float(r["amount"]) * 100)
    return out


def _split(total: int, parts: int, rng: np.random.Generator, unit: int = 100_000) -> list[int]:
    """`total` pence in `parts` positive pieces, multiples of `unit` except the last, summing exactly."""
    if parts <= 1:
        return [total]
    w = rng.uniform(0.5, 1.5, parts)
    pieces = [int(x) for x in np.floor(total * w / w.sum() / unit) * unit]
    pieces[-1] = total - sum(pieces[:-1])
    return pieces


def _budgets(out: Path, rows: int, seed: int) -> tuple[list[Path], dict[tuple[str, int], int]]:
    rng = _rng(seed, _BUDGETS)
    controls = _controls()
    per_fund = max(1, min(50, rows // 200_000))
    paths: list[Path] = []
    budget: dict[tuple[str, int], int] = {}
    for year in range(FIRST_FY, LAST_FY + 1):
        c = controls.get(year) or {"priority_commissioning_total": 230_000_000, "moj_ring_fence": 90_000_000}
        moj = c["moj_ring_fence"]
        pcc = c["priority_commissioning_total"] - moj
        csf = (pcc * 62 // 100) // 100_000 * 100_000
        vfcsa = (moj * 55 // 1000) // 100_000 * 100_000
        fund_totals = {"CSF": csf, "LIF": pcc - csf, "VCF": moj - vfcsa, "VFCSA": vfcsa}
        lines = []
        for fund, amount in fund_totals.items():
            source = PC_FUNDS[fund]
            budget[(source, year)] = budget.get((source, year), 0) + amount
            area = next(r["expense_area"] for r in _expense_area_rules() if r["fund_code"] == fund)
            for i, piece in enumerate(_split(amount, per_fund, rng)):
                what = BUDGET_LINES[fund][i % len(BUDGET_LINES[fund])]
                suffix = f" ({i // len(BUDGET_LINES[fund]) + 1})" if per_fund > len(BUDGET_LINES[fund]) else ""
                lines.append([_fy_label(year), source, fund, area, f"{FUND_NAMES[fund]} - {what}{suffix}",
                              _money(piece)])
        paths.append(_write_csv(out / "budgets" / f"dorset-opcc-priority-commissioning-budget-{_fy_slug(year)}.csv",
                                ["Financial Year", "Funding Source", "Fund", "Cost Centre", "Description", "Amount"],
                                lines))
    return paths, budget


def _months_in_fy(start: dt.date, end: dt.date, year: int) -> int:
    lo = max(start, dt.date(year, 4, 1))
    hi = min(end, dt.date(year + 1, 3, 31))
    if hi < lo:
        return 0
    return (hi.year - lo.year) * 12 + hi.month - lo.month + 1


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _pillars() -> list[tuple[str, str]]:
    return [(r["pillar_code"], r["pillar_name"]) for r in _reference("pillars.csv")]


def _commitments(out: Path, rows: int, seed: int, budget: dict[tuple[str, int], int],
                 providers: list[str]) -> tuple[list[Path], dict[tuple[str, int], int]]:
    rng = _rng(seed, _COMMIT)
    n = max(35, min(1500, rows // 5000))
    pillars = _pillars()
    funds = list(PC_FUNDS)
    fund_p = np.array([0.4, 0.25, 0.28, 0.07])
    types = [("C", "Contract"), ("G", "Grant Agreement"), ("P", "Partnership Funding Agreement")]
    drafts = []
    for _ in range(n):
        fund = funds[rng.choice(4, p=fund_p)]
        start_year = int(rng.integers(FIRST_FY - 2, LAST_FY + 1))
        start_month = int(rng.choice([4, 4, 4, 7, 10, 1]))
        sy = start_year + (start_month < 4)
        start = dt.date(sy, start_month, 1)
        months = int(rng.choice([6, 12, 12, 24, 24, 36, 36, 48]))
        end_m = start_month + months - 1
        end = _month_end(sy + (end_m - 1) // 12, (end_m - 1) % 12 + 1)
        weight = float(rng.lognormal(0, 0.8))
        drafts.append((fund, start, end, weight))
    # Scale each funding source so that it is committed to at most 80% of its budget in every year.
    scale: dict[str, float] = {}
    for source in ("PCC", "MOJ"):
        ratios = []
        for year in range(FIRST_FY, LAST_FY + 1):
            raw = sum(w * _months_in_fy(s, e, year) / 12 for f, s, e, w in drafts if PC_FUNDS[f] == source)
            if raw > 0:
                ratios.append(0.80 * budget[(source, year)] / raw)
        scale[source] = min(ratios) if ratios else 0.0
    lines = []
    committed: dict[tuple[str, int], int] = {}
    for i, (fund, start, end, weight) in enumerate(drafts):
        annual = int(weight * scale[PC_FUNDS[fund]]) // 1200 * 1200  # whole £12s: spreads to whole pounds
        for year in range(FIRST_FY, LAST_FY + 1):
            key = (PC_FUNDS[fund], year)
            committed[key] = committed.get(key, 0) + annual * _months_in_fy(start, end, year) // 12
        letter, ctype = types[int(rng.integers(0, 3))]
        if fund in ("VCF", "VFCSA"):
            code, name = pillars[2] if rng.random() < 0.7 else pillars[0]
        else:
            code, name = pillars[int(rng.integers(0, len(pillars)))]
        title = COMMITMENT_TITLES[int(rng.integers(0, len(COMMITMENT_TITLES)))]
        provider = providers[int(rng.integers(0, len(providers)))]
        ref = f"DOR-{letter}-{i + 101:04d}"
        # Optional columns, by position (no random draws, so the other columns stay as they were): half the
        # contracts link their document; two grant agreements in three give their conditions.
        url = (f"https://www.dorset.pcc.police.uk/media/contracts/{ref.lower()}.pdf"
               if ctype == "Contract" and i % 2 == 0 else "")
        conditions = GRANT_CONDITIONS if ctype == "Grant Agreement" and i % 3 else ""
        lines.append([
            ref, title, provider, ctype,
            FUND_NAMES[fund] if fund != "VFCSA" and rng.random() < 0.1 else fund,
            name if rng.random() < 0.15 else code,
            _dmy(start), _dmy(end), _money(annual), url, conditions,
        ])
    path = _write_csv(out / "commitments" / "dorset-opcc-commitments-register.csv",
                      ["Commitment ID", "Title", "Provider", "Commitment Type", "Fund", "Main Pillar",
                       "Start Date", "End Date", "Annual Value", "Contract URL", "Conditions"], lines)
    return [path], committed


def _planned(out: Path, rows: int, seed: int, budget: dict[tuple[str, int], int],
             committed: dict[tuple[str, int], int], providers: list[str]) -> list[Path]:
    rng = _rng(seed, _PLANNED)
    n = max(20, min(1500, rows // 6000))
    pillars = _pillars()
    funds = list(PC_FUNDS)
    fund_p = np.array([0.15, 0.7, 0.1, 0.05])
    drafts = []
    for _ in range(n):
        drafts.append((funds[rng.choice(4, p=fund_p)], int(rng.integers(FIRST_FY, LAST_FY + 1)),
                       float(rng.lognormal(0, 0.6))))
    # Planned spend takes at most 15% of the budget (and never beyond what commitments leave).
    room: dict[tuple[str, int], float] = {}
    for key, amount in budget.items():
        room[key] = max(0, min(amount * 15 // 100, amount - committed.get(key, 0)))
    raw: dict[tuple[str, int], float] = {}
    for f, y, w in drafts:
        raw[(PC_FUNDS[f], y)] = raw.get((PC_FUNDS[f], y), 0) + w
    seq: dict[int, int] = {}
    lines = []
    for f, y, w in drafts:
        key = (PC_FUNDS[f], y)
        pence = int(w / raw[key] * room[key]) // 100_000 * 100_000  # whole £1,000s
        seq[y] = seq.get(y, 0) + 1
        code, name = pillars[int(rng.integers(0, len(pillars)))]
        provider = providers[int(rng.integers(0, len(providers)))] if rng.random() < 0.5 else ""
        lines.append([
            f"PP-{y % 100:02d}{(y + 1) % 100:02d}-{seq[y]:02d}",
            PROJECT_TITLES[int(rng.integers(0, len(PROJECT_TITLES)))], provider,
            FUND_NAMES[f] if f == "LIF" and rng.random() < 0.1 else f,
            name if rng.random() < 0.15 else code, _fy_label(y), _money(pence),
            "Approved in principle" if rng.random() < 0.35 else "Proposed",
        ])
    return [_write_csv(out / "planned_projects" / "dorset-opcc-planned-projects.csv",
                       ["Project ID", "Title", "Proposed Provider", "Fund", "Main Pillar", "Financial Year",
                        "Anticipated Spend", "Status"], lines)]


def _ppa_and_grants(out: Path, rows: int, seed: int) -> tuple[list[Path], list[Path]]:
    rng = _rng(seed, _PPA)
    grng = _rng(seed, _GRANTS)
    per_year = max(25, min(3000, rows // 5000))
    opening = next(round(float(r["opening_balance"]) * 100) for r in _reference("fund_opening_balances.csv")
                   if r["fund_code"] == "CGS")
    pillars = _pillars()
    recipients = [f"{t} {n}" for t in TOWNS for n in ORG_NOUNS]
    recipients = [recipients[i] for i in _rng(seed, _GRANTS, 1).permutation(len(recipients))]
    balance = opening
    ppa_paths, grant_paths = [], []
    for year in range(FIRST_FY, LAST_FY + 1):
        days = _weekdays(dt.date(year, 4, 1), dt.date(year + 1, 3, 31))
        picks = np.sort(rng.choice(len(days), size=per_year, replace=per_year > len(days)))
        receipts = []
        seq: dict[tuple[int, int], int] = {}
        for k in picks:
            d = days[int(k)]
            kind = rng.random()
            if kind < 0.6:
                prefix, desc, gross, rate = "BBA", "Bumblebee Auctions - settlement of unclaimed property lots", \
                    int(rng.uniform(1500, 4500) * 100), 0.175
            elif kind < 0.7:
                prefix, desc, gross, rate = "BBA", "Bumblebee Auctions - recovered pedal cycles", \
                    int(rng.uniform(300, 1500) * 100), 0.2
            else:
                prefix, desc, gross, rate = "UFC", "Unclaimed found cash - owner not traced", \
                    int(rng.uniform(50, 1000) * 100), 0.0
            costs = int(round(gross * rate))
            seq[(d.year, d.month)] = seq.get((d.year, d.month), 0) + 1
            ref = f"{prefix}-{d.year % 100:02d}{d.month:02d}-{seq[(d.year, d.month)]:02d}"
            receipts.append((d, ref, desc, gross, costs))
        ppa_paths.append(_write_csv(
            out / "ppa_receipts" / f"dorset-opcc-police-property-act-receipts-{_fy_slug(year)}.csv",
            ["Receipt Date", "Reference", "Description", "Gross Amount", "Sale Costs", "Net Amount"],
            [[_dmy(d), ref, desc, _money(g), _money(c), _money(g - c)] for d, ref, desc, g, c in receipts]))
        # Grant rounds in June, September, December and March; each spends part of what the fund holds.
        awards = []
        n_awards = max(12, per_year // 2)
        round_months = [(year, 6), (year, 9), (year, 12), (year + 1, 3)]
        seq_no = 0
        for y, m in [(year + (mm < 4), mm) for mm in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]:
            net_in = sum(g - c for d, _, _, g, c in receipts if (d.year, d.month) == (y, m))
            available = balance + net_in
            spent = 0
            if (y, m) in round_months:
                count = n_awards // 4
                pot = available * 60 // 100
                amounts = grng.uniform(0.3, 1.0, count)
                amounts = (np.floor(amounts / amounts.sum() * pot / 5000) * 5000).astype(np.int64)
                amounts = np.minimum(amounts, 500_000)  # £5,000 at most per award
                award_day = dt.date(y, m, 1) + dt.timedelta(days=int(grng.integers(4, 20)))
                for amount in amounts:
                    if amount < 25_000:  # below £250 is not worth an award
                        continue
                    seq_no += 1
                    code, name = pillars[1] if grng.random() < 0.8 else pillars[int(grng.integers(0, len(pillars)))]
                    awards.append([_dmy(award_day), f"CGS-{year % 100:02d}{(year + 1) % 100:02d}-{seq_no:03d}",
                                   recipients[int(grng.integers(0, len(recipients)))],
                                   name if grng.random() < 0.1 else code, _money(int(amount))])
                    spent += int(amount)
            balance = available - spent
        grant_paths.append(_write_csv(
            out / "grant_awards" / f"dorset-opcc-community-grant-awards-{_fy_slug(year)}.csv",
            ["Award Date", "Reference", "Recipient", "Pillar", "Amount"], awards))
    return ppa_paths, grant_paths
