"""What the synthetic extracts are made of: the demo's funds, expense types, suppliers and areas, and the helpers
every feed's writer shares."""


from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pyarrow as pa

from opcc.config import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "seeds" / "reference"
BODY = "Police and Crime Commissioner for Dorset"
FIRST_FY = 2018  # financial years 2018/19 ..
LAST_FY = 2020  # .. 2020/21: the years budget_controls.csv approves and the pillars cover
HISTORY_START = dt.date(FIRST_FY, 4, 1)
HISTORY_END = dt.date(LAST_FY + 1, 3, 31)
CHUNK = 1_000_000
TX_HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £"
REDACTED = "REDACTED PERSONAL DATA"

# Feed ids mixed into the seed so each feed draws its own stream.
_TX, _SUPPLIERS, _BUDGETS, _COMMIT, _PLANNED, _PPA, _GRANTS, _DAY = range(1, 9)

UNMAPPED_AREAS = [
    "OPCC Office Running Costs",
    "OPCC Estates and Facilities",
    "OPCC Audit and Assurance",
    "Force Collaboration - Regional Contributions",
]
EXPENSE_TYPES = {
    "CSF": ["Grants to Voluntary Organisations", "Contributions to Partner Organisations",
            "Grants to Other Public Bodies", "Contract Payments - Commissioned Services"],
    "LIF": ["Grants to Voluntary Organisations", "Contributions to Partner Organisations",
            "Professional Services", "Consultancy"],
    "VCF": ["Contract Payments - Commissioned Services", "Grants to Voluntary Organisations",
            "Victim Support Payments", "Contributions to Partner Organisations"],
    "VFCSA": ["Grants to Voluntary Organisations", "Contract Payments - Commissioned Services"],
    "CGS": ["Community Grants"],
    "INNOV": ["Equipment and Vehicles", "Uniform and Clothing", "IT Hardware and Software"],
    "WELL": ["Staff Wellbeing Services", "Occupational Health"],
    None: ["Office Supplies", "Rent and Rates", "Audit Fees", "Legal Fees", "Travel and Subsistence",
           "Utilities", "Training Courses", "Printing and Stationery", "Subscriptions"],
}
# Share of ledger lines per expense area (mapped areas in fund_mapping_rules.csv order, then unmapped).
AREA_WEIGHTS = {"CSF": 0.24, "LIF": 0.16, "VCF": 0.20, "VFCSA": 0.05, "CGS": 0.08, "INNOV": 0.06, "WELL": 0.08}
UNMAPPED_WEIGHT = 0.13

KNOWN_SUPPLIERS = [
    "Victim Support", "G4S Health Services (UK) Ltd", "Restorative Dorset", "You First",
    "Dorset Rape Crisis Support Centre", "The Hampton Trust", "Circles Southwest",
    "Dorset Neighbourhood Watch Association", "AFC Bournemouth Community Sports Trust",
    "Bournemouth Street Pastors", "Dorset Police", "Dorset Council", "Dorset Mind",
    "Bournemouth, Christchurch and Poole Council", "Dorset Combined Youth Offending Service",
    "Dorset Criminal Justice Board", "Environment Agency", "Health Assured Ltd",
    "Oscar Kilo Wellbeing Services", "Bobby Van Trust", "Volunteer Police Cadets National Office",
    "Dorset County Council", "Weymouth Sea Cadets", "Wareham Youth Project",
    "Gillingham Action for Youth", "Swanage Men's Shed", "Bridport Youth and Community Centre",
]
TOWNS = [
    "Bournemouth", "Poole", "Christchurch", "Weymouth", "Dorchester", "Bridport", "Swanage", "Wareham",
    "Wimborne", "Ferndown", "Verwood", "Blandford", "Shaftesbury", "Gillingham", "Sherborne", "Lyme Regis",
    "Portland", "Beaminster", "Sturminster Newton", "Highcliffe", "Boscombe", "Kinson", "Wool",
    "Crossways", "Corfe Mullen", "Broadstone", "Parkstone", "Hamworthy", "West Moors", "Charmouth",
    "Puddletown", "Stalbridge", "Upton", "Lytchett Matravers", "West Bay", "Purbeck", "Canford Heath",
    "Southbourne", "Winton", "Westbourne",
]
ORG_NOUNS = [
    "Community Trust", "Youth Project", "Women's Refuge", "Men's Shed", "Street Pastors", "Community Hub",
    "Safeguarding Partnership", "Family Support", "Mediation Service", "Recovery Service",
    "Advocacy Service", "Counselling Centre", "Rural Watch", "Speedwatch", "Sea Cadets",
    "Boxing Club", "Football Club", "Credit Union", "Housing Association", "Food Bank",
    "Hate Crime Network", "Mental Health Forum", "Drug and Alcohol Service", "Domestic Abuse Forum",
    "Digital Safety Sessions", "Youth and Community Centre", "Community Allotment Project",
    "Community Safety Forum", "Neighbourhood Watch", "Scouts",
]
BUSINESS_NOUNS = [
    "Security", "Consulting", "Training", "IT Services", "Facilities", "Cleaning", "Catering",
    "Printing", "Legal", "Analytics", "Fleet", "Property", "Interpreting", "Recruitment", "Research",
]
BUSINESS_SUFFIXES = ["Ltd", "Limited", "LLP", "& Co", "Group Ltd", "Services Ltd", "(UK) Ltd", "plc"]

GRANT_CONDITIONS = "Quarterly monitoring returns to the OPCC; unspent grant returned at the end of the agreement"
COMMITMENT_TITLES = [
    "Victims' Services Contract", "Sexual Assault Referral Centre (SARC) and ISVA Service",
    "Restorative Justice Service", "Domestic Abuse Outreach and IDVA Support", "Adult Return Home Interviews",
    "Child Sexual Abuse Counselling", "Stalking Advocacy Service", "Youth Diversion Programme",
    "Out of Court Disposals Pathway", "Hate Crime Third Party Reporting", "Rural Crime Partnership",
    "Mental Health Street Triage", "Modern Slavery Support", "Knife Crime Prevention", "Drug Intervention Programme",
    "Women's Diversion Scheme", "Perpetrator Programme", "Community Speedwatch Support",
    "Cyber Crime Prevention", "Night-time Economy Safety", "Fraud Victims Support", "Integrated Offender Management",
]
PROJECT_TITLES = [
    "County Lines - exploitation and disruption options", "Fly Tipping analyst post (joint commission)",
    "Youth Early Intervention Programme", "RTC evidence capture technology - roll-out",
    "Knife Crime Prevention for Young People", "Victim Needs Assessment", "Rural Crime Drones",
    "Domestic Abuse Perpetrator Pilot", "Safer Streets Lighting", "Online Safety for Schools",
    "Restorative Justice in Schools", "ASB Case Review Support", "Community Remedy Pilot",
]
FUND_NAMES = {"CSF": "Commissioner's Safety Fund", "LIF": "Local Innovation Fund",
              "VCF": "Victims Core Fund", "VFCSA": "Victims Fund CSA element"}
BUDGET_LINES = {
    "CSF": ["grant agreements and contracts", "partnership contributions", "community safety partnerships"],
    "LIF": ["new innovative services", "pilot projects", "evaluation"],
    "VCF": ["victim services", "restorative justice", "witness care"],
    "VFCSA": ["CSA element", "CSA counselling"],
}
PC_FUNDS = {"CSF": "PCC", "LIF": "PCC", "VCF": "MOJ", "VFCSA": "MOJ"}


# -- helpers --------------------------------------------------------------------------------------

def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n\r') else text


def _reference(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _expense_area_rules() -> list[dict[str, str]]:
    """The demo's mapping rules that map an expense area alone (the synthetic ledger's cost centres)."""
    others = ("expense_type", "body", "supplier", "extra_column", "extra_value")
    return [r for r in _reference("fund_mapping_rules.csv") if r["expense_area"] and not any(r[c] for c in others)]


def _fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def _fy_slug(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _dmy(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _money(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}" if pence >= 0 else "-" + _money(-pence)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


# -- suppliers ------------------------------------------------------------------------------------

class _Suppliers:
    """A few thousand suppliers, each with a home expense area and type and a typical amount."""

    vocab: pa.Array  # set on first use, by _vocab_suppliers

    def __init__(self, seed: int, count: int = 3000) -> None:
        rng = _rng(seed, _SUPPLIERS)
        names = list(KNOWN_SUPPLIERS)
        seen = set(names)
        candidates = [f"{t} {n}" for t in TOWNS for n in ORG_NOUNS]
        candidates += [f"{t} {b} {s}" for t in TOWNS for b in BUSINESS_NOUNS for s in BUSINESS_SUFFIXES[:3]]
        candidates += [f"{a}, {b} and {c} Partnership" for a, b, c in zip(TOWNS, TOWNS[5:], TOWNS[11:], strict=False)]
        for i in rng.permutation(len(candidates)):
            if len(names) >= count - 1:
                break
            if candidates[i] not in seen:
                seen.add(candidates[i])
                names.append(candidates[i])
        names.insert(3, REDACTED)  # a frequent payee, as in every published file
        self.names = names
        n = len(names)
        # Zipf-like: a handful of big providers, a long tail of one-off payees.
        weights = 1.0 / np.arange(1, n + 1) ** 1.05
        self.cum = np.cumsum(weights / weights.sum())
        self.cum[-1] = 1.0
        area_codes = list(AREA_WEIGHTS) + [None]
        area_p = np.array(list(AREA_WEIGHTS.values()) + [UNMAPPED_WEIGHT])
        self.home_area = rng.choice(len(area_codes), size=n, p=area_p / area_p.sum())
        self.home_type_pick = rng.integers(0, 1 << 30, size=n)
        # Typical payment (log pounds): providers of contracts pay more than one-off payees.
        self.log_mean = rng.uniform(np.log(900), np.log(15000), size=n)
        redacted = names.index(REDACTED)
        self.home_area[redacted] = area_codes.index("VCF")
        self.log_mean[redacted] = np.log(700)
        self.redacted = redacted

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.searchsorted(self.cum, rng.random(n), side="right").astype(np.int32)


class _Areas:
    vocab: pa.Array  # set on first use, by _vocab_areas

    def __init__(self) -> None:
        mapped = _expense_area_rules()
        self.names = [r["expense_area"] for r in mapped] + UNMAPPED_AREAS
        self.funds = [r["fund_code"] for r in mapped] + [None] * len(UNMAPPED_AREAS)
        # areas by group: group i (AREA_WEIGHTS order, then unmapped) -> area indices
        groups = list(AREA_WEIGHTS) + [None]
        self.group_areas = [[i for i, f in enumerate(self.funds) if f == g] for g in groups]
        self.types = sorted({t for ts in EXPENSE_TYPES.values() for t in ts})
        # per area: the expense types it uses
        width = max(len(v) for v in EXPENSE_TYPES.values())
        self.type_table = np.zeros((len(self.names), width), dtype=np.int32)
        self.type_count = np.zeros(len(self.names), dtype=np.int32)
        for a, fund in enumerate(self.funds):
            ts = EXPENSE_TYPES[fund]
            self.type_count[a] = len(ts)
            for j in range(width):
                self.type_table[a, j] = self.types.index(ts[j % len(ts)])
