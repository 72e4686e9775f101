"""The reference tables' contract: `reference_contract.toml` beside the package, read here once.

The contract is data: each table's columns and types, its key, which column references which table, its
effective dates and its cross-table rules. Checking, the `opcc init` templates and dbt's seeds all follow it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

CONTRACT_FILE = Path(__file__).resolve().parents[1] / "reference_contract.toml"


class Type(StrEnum):
    TEXT = "text"
    DATE = "date"
    MONEY = "money"  # pounds to the penny: DECIMAL(18,2)
    NUMBER = "number"  # a decimal with up to 4 places: DECIMAL(9,4)
    INTEGER = "integer"
    BOOLEAN = "boolean"
    YEAR = "year"  # a UK financial year, '2019/20'


# What dbt types each column as (seeds' column_types; the same names on DuckDB and PostgreSQL).
DBT_TYPES = {Type.TEXT: "varchar", Type.DATE: "date", Type.MONEY: "decimal(18,2)", Type.NUMBER: "decimal(9,4)",
             Type.INTEGER: "integer", Type.BOOLEAN: "boolean", Type.YEAR: "varchar"}


@dataclass(frozen=True)
class Column:
    name: str
    type: Type
    required: bool = False
    references: tuple[str, str] | None = None  # (table, column)
    values: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class Effective:
    """Rows sharing the `per` columns are one thing's versions in time: no overlap, no gap between them."""
    start: str
    end: str | None
    per: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """Rows matching `when` must reference (through column `through`) a row matching `require`."""
    when: dict[str, str]
    through: str
    require: dict[str, str]
    expected: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    min_rows: int = 0
    effective: Effective | None = None
    rules: tuple[Rule, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _number(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def load_contract(path: Path = CONTRACT_FILE) -> dict[str, Table]:
    """Every table, in the contract's order. A contract that contradicts itself fails here, naming the entry."""
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    tables: dict[str, Table] = {}
    for name, spec in doc.items():
        columns = []
        for col, c in spec["columns"].items():
            table, _, column = c.get("references", "").partition(".")
            columns.append(Column(col, Type(c["type"]), bool(c.get("required", False)),
                                  (table, column) if column else None,
                                  tuple(str(v) for v in c.get("values", ())), _number(c.get("min")),
                                  _number(c.get("max")), c.get("description", ""), str(c.get("example", ""))))
        eff = spec.get("effective")
        tables[name] = Table(
            name, spec.get("description", ""), tuple(columns), tuple(spec["key"]), int(spec.get("min_rows", 0)),
            Effective(eff["from"], eff.get("to"), tuple(eff.get("per", ()))) if eff else None,
            tuple(Rule(dict(r["when"]), r["through"], dict(r["require"]), r["expected"])
                  for r in spec.get("rules", ())))
    _validate(path, tables)
    return tables


def _validate(path: Path, tables: dict[str, Table]) -> None:
    for t in tables.values():
        names = set(t.column_names)
        used = set(t.key)
        if t.effective:
            used |= {t.effective.start, *t.effective.per} | ({t.effective.end} if t.effective.end else set())
        for rule in t.rules:
            used |= {rule.through, *rule.when}
        if missing := used - names:
            raise ValueError(f"{path}: table {t.name} names columns it does not have: {', '.join(sorted(missing))}")
        for c in t.columns:
            if c.references is None:
                continue
            other, col = c.references
            if other not in tables or col not in tables[other].column_names:
                raise ValueError(f"{path}: {t.name}.{c.name} references {other}.{col}, which is not in the contract")
        for rule in t.rules:
            ref = t.column(rule.through).references
            if ref is None or set(rule.require) - set(tables[ref[0]].column_names):
                raise ValueError(f"{path}: a rule of {t.name} goes through {rule.through}, which references "
                                 "no table with the required columns")


CONTRACT: dict[str, Table] = load_contract()
