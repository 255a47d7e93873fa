"""logic.camp's ProcessLeads written by hand in plain Python: the logic benchmark's baseline.

    python bench/logic_bench/handwritten.py --leads LEADS.csv --out OUT.csv

It does what

    camp run bench/logic_bench/logic.camp --campaign ProcessLeads --leads LEADS.csv \
        --out OUT.csv --start 2026-12-01T00:00:00

does, the way a Python programmer would write it: the csv module, the cells typed
by the schema (Decimal numbers, dates, booleans, the defaults), ``str.strip`` /
``str.lower`` / ``in`` on sets of case-folded words, and the same --out CSV, byte
for byte (bench/logic_bench.py checks). No activity records: none are asked for.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from camp.stdlib.text_functions import title_case

SCHEMA = {
    "email": "text",
    "first_name": "text",
    "last_name": "text",
    "company": "text",
    "title": "text",
    "country": "text",
    "phone": "text",
    "mobile_phone": "text",
    "employees": "number",
    "industry": "text",
    "lead_source": "text",
    "web_visits": "number",
    "created_date": "date",
    "unsubscribed": "boolean",
    "lead_status": "text",
    "segment": "text",
    "fit_score": "number",
    "behavior_score": "number",
    "score": "number",
    "grade": "text",
}
DEFAULTS: dict[str, Any] = {
    "lead_source": "Unknown",
    "web_visits": Decimal(0),
    "unsubscribed": False,
    "fit_score": Decimal(0),
    "behavior_score": Decimal(0),
    "score": Decimal(0),
}
FIT_SEGMENTS = {"executive", "director"}
FIT_INDUSTRIES = {"software", "retail", "financial services", "healthcare"}
HOT_SOURCES = {"demo request", "free trial"}
CLOSED = {"mql", "customer"}


def to_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)


def to_bool(text: str) -> bool:
    low = text.lower()
    if low in ("true", "yes", "1"):
        return True
    if low in ("false", "no", "0"):
        return False
    raise ValueError(f"{text!r} is not a boolean")


PARSE = {"text": str, "number": lambda s: Decimal(s.strip()), "date": lambda s: to_date(s.strip())}
PARSE["boolean"] = lambda s: to_bool(s.strip())


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return (
            str(int(value))
            if value == value.to_integral_value()
            else format(value.normalize(), "f")
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def has(value: str | None, word: str) -> bool:
    return value is not None and word in value.casefold()


def process(f: dict[str, Any]) -> None:
    # Normalize
    email = f["email"]
    f["email"] = email.strip().lower() if email is not None else None
    for name in ("first_name", "last_name"):
        v = f[name]
        f[name] = title_case(v.strip()) if v is not None else None
    company = f["company"]
    f["company"] = company.strip() if company is not None else None
    # Segment
    title = f["title"]
    if (
        has(title, "chief")
        or has(title, "vice president")
        or (title is not None and title.casefold().startswith("vp"))
    ):
        f["segment"] = "Executive"
    elif has(title, "director") or has(title, "head of"):
        f["segment"] = "Director"
    elif has(title, "manager"):
        f["segment"] = "Manager"
    elif has(title, "student") or has(title, "intern"):
        f["segment"] = "Student"
    else:
        f["segment"] = "Individual"
    # ScoreFit
    segment = f["segment"].casefold()
    fit = f["fit_score"]
    if segment in FIT_SEGMENTS:
        fit += 30
    elif segment == "manager":
        fit += 15
    elif segment == "student":
        fit -= 10
    industry = f["industry"]
    if industry is not None and industry.casefold() in FIT_INDUSTRIES:
        fit += 10
    employees = f["employees"]
    if employees is not None and employees >= 5000:
        fit += 20
    elif employees is not None and employees >= 200:
        fit += 10
    email = f["email"]
    if email is not None and email.casefold().endswith(("@gmail.com", "@yahoo.com")):
        fit -= 15
    f["fit_score"] = fit
    # ScoreBehavior
    behavior = f["behavior_score"]
    source = f["lead_source"].casefold()
    if source in HOT_SOURCES:
        behavior += 30
    elif source == "webinar":
        behavior += 15
    visits = f["web_visits"]
    if visits >= 20:
        behavior += 20
    elif visits >= 5:
        behavior += 10
    f["behavior_score"] = behavior
    f["score"] = score = fit + behavior
    # Qualify
    status = f["lead_status"]
    if f["unsubscribed"]:
        f["grade"] = "D"
    elif status is not None and status.casefold() in CLOSED:
        f["grade"] = "A"
    elif score >= 60:
        f["grade"], f["lead_status"] = "A", "MQL"
    elif score >= 30:
        f["grade"], f["lead_status"] = "B", "Engaged"
    else:
        f["grade"] = "C"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    with (
        args.leads.open(encoding="utf-8", newline="") as src,
        args.out.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        header = [h for h in reader.fieldnames or [] if h not in SCHEMA]
        columns = [*SCHEMA, *header]
        parsers = [(name, PARSE[SCHEMA.get(name, "text")]) for name in reader.fieldnames or []]
        writer = csv.writer(dst)
        writer.writerow(["id", *columns])
        for n, row in enumerate(reader, start=1):
            f: dict[str, Any] = dict.fromkeys(SCHEMA)
            for name, parse in parsers:
                raw = row[name]
                f[name] = parse(raw) if raw != "" else None
            for name, default in DEFAULTS.items():
                if f[name] is None:
                    f[name] = default
            process(f)
            writer.writerow([n, *(cell(f[c]) for c in columns)])


if __name__ == "__main__":
    main()
