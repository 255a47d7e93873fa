"""reference.camp's ProcessLeads, written by hand in plain Python: the benchmark's baseline.

    python bench/run_bench/handwritten.py --leads LEADS.csv --out OUT.csv \
        --activities ACTIVITIES.jsonl [--start 2026-12-01T00:00:00]

It does the same work as

    camp run bench/run_bench/reference.camp --campaign ProcessLeads --leads LEADS.csv \
        --out OUT.csv --activities ACTIVITIES.jsonl --start 2026-12-01T00:00:00

and writes byte-identical files (bench/run_bench.py checks that): it reads and types
the CSV by the same schema (with its defaults), normalises with the same library
calls (camp.stdlib's wrappers around pycountry, phonenumbers and email-validator,
which is what a Python developer would call too), scores with the same rules, logs
the same activities in the same order, and streams one lead at a time.

What it leaves out is the language: no parse or check, no tree walk, no Decimal
(the data's numbers are whole, so ints print the same), no call stack or frames,
no step counting. That is the cost the benchmark measures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import phonenumbers
from camp.stdlib.email_functions import is_valid_email
from camp.stdlib.geo_functions import resolve_country
from camp.stdlib.phone_functions import to_e164
from camp.stdlib.text_functions import title_case

PROGRAM = "Lead Pipeline 2026-12"
MQL_THRESHOLD = 70
ENGAGED_THRESHOLD = 40
LIST_PREFIX = "Pipeline 2026-12"
DEFAULT_OWNER = "sdr-team@northwind.example"

# The schema, in the order `camp run --out` writes it (the declared fields in
# declaration order, built-ins where the fields block declares them), with types.
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
    "country_raw": "text",
    "email_status": "text",
    "phone_clean": "text",
    "phone_status": "text",
    "country_attempts": "number",
    "norm_issues": "number",
    "segment": "text",
    "region": "text",
    "owner_email": "text",
    "fit_score": "number",
    "behavior_score": "number",
    "score": "number",
    "lead_status": "text",
    "mql_date": "date",
}
COLUMNS = list(SCHEMA)
DEFAULTS: dict[str, Any] = {
    "unsubscribed": False,
    "lead_source": "Unknown",
    "web_visits": 0,
    "country_attempts": 0,
    "norm_issues": 0,
    "fit_score": 0,
    "behavior_score": 0,
    "score": 0,
}
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0")

NORTH_AMERICA = {"us", "ca"}
EMEA = {"gb", "ie", "de", "at", "ch", "fr", "es", "it", "nl"}
APAC = {"jp", "au", "in", "sg"}
FIT_SEGMENTS = {"enterprise", "mid-market"}
FIT_INDUSTRIES = {"software", "retail", "financial services", "healthcare"}
FREEMAIL = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "gmx.de"}
HOT_SOURCES = {"demo request", "free trial"}
CLOSED_STATUSES = {"mql", "sql", "customer"}


def cell(kind: str, raw: str) -> Any:
    if raw == "":
        return None
    if kind == "text":
        return raw
    text = raw.strip()
    if kind == "number":
        return int(text)
    if kind == "boolean":
        low = text.lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise ValueError(f"{raw!r} is not a valid boolean")
    return dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)


def to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def out_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def text(value: Any) -> str:
    """A value inside a moment's text ({{lead.x}})."""
    return "" if value is None else str(value)


def fold(value: str | None) -> str | None:
    return None if value is None else value.casefold()


def region_of(country: str | None) -> str | None:
    """phone_e164's region argument: a country name or code, or a phonenumbers region."""
    if country is None:
        return None
    code = resolve_country(country)
    if code is not None:
        return code
    upper = country.strip().upper()
    return upper if upper in phonenumbers.SUPPORTED_REGIONS else None


def e164(number: str | None, country: str | None) -> str | None:
    if number is None or not number.strip():
        return None
    return to_e164(number, region_of(country))


class Pipeline:
    def __init__(self, activities: Any, start: dt.datetime) -> None:
        self.out = activities
        self.time = start.isoformat(timespec="seconds")
        self.today = start.date()
        self.past_30 = (start - dt.timedelta(days=30)).date()
        self.past_365 = (start - dt.timedelta(days=365)).date()
        self.lead_id = 0

    def log(self, type_: str, campaign: str, **attrs: Any) -> None:
        record = {"lead": self.lead_id, "time": self.time, "type": type_, "campaign": campaign}
        record.update(attrs)
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def set(self, f: dict[str, Any], campaign: str, name: str, value: Any) -> None:
        old = f.get(name)
        if old is None and value is None:
            return
        if old is not None and value is not None and type(old) is type(value) and old == value:
            return
        f[name] = value
        self.log("Change Data Value", campaign, field=name, old=to_json(old), new=to_json(value))

    def add(self, f: dict[str, Any], campaign: str, name: str, change: int) -> None:
        old = f.get(name)
        new = (old or 0) + change
        f[name] = new
        self.log("Change Score", campaign, field=name, old=old, new=new, change=change)

    def add_to_list(self, lists: set[str], campaign: str, name: str) -> None:
        key = name.casefold()
        if key not in lists:
            lists.add(key)
            self.log("Add to List", campaign, list=name)

    def call(self, caller: str, target: str) -> None:
        self.log("Execute Campaign", caller, target=target, qualified=True)

    # ---- the flow ----------------------------------------------------------------

    def process(self, lead_id: int, f: dict[str, Any]) -> None:
        self.lead_id = lead_id
        if f["email"] in (None, "") and f["phone"] in (None, ""):
            return  # where email is not empty or phone is not empty
        me = "ProcessLeads"
        self.log("Campaign Run", me, trigger="batch")
        lists: set[str] = set()
        self.call(me, "NormalizeLead")
        self.normalize(f, lists)
        self.call(me, "SegmentLead")
        self.segment(f)
        self.call(me, "ScoreLead")
        self.score(f)
        status = f.get("lead_status")
        qualifies = status is None or status == "" or status.casefold() not in CLOSED_STATUSES
        self.log("Execute Campaign", me, target="QualifyLead", qualified=qualifies)
        if qualifies:
            self.qualify(f)
        status = fold(f.get("lead_status"))
        if status == "mql":
            self.add_to_list(lists, me, f"{LIST_PREFIX} - MQL")
        elif status == "engaged":
            self.add_to_list(lists, me, f"{LIST_PREFIX} - Nurture")
        else:
            self.add_to_list(lists, me, f"{LIST_PREFIX} - Cold")

    def normalize(self, f: dict[str, Any], lists: set[str]) -> None:
        me = "NormalizeLead"
        if f.get("country_raw") in (None, ""):
            self.set(f, me, "country_raw", f.get("country"))
        for name in ("first_name", "last_name"):
            value = f.get(name)
            self.set(f, me, name, None if value is None else title_case(value.strip()))
        company = f.get("company")
        self.set(f, me, "company", None if company is None else company.strip())

        self.call(me, "NormalizeEmail")
        email = f.get("email")
        email = None if email is None else email.strip().lower()
        self.set(f, "NormalizeEmail", "email", email)
        if email is not None and is_valid_email(email):
            self.set(f, "NormalizeEmail", "email_status", "Valid")
        else:
            self.set(f, "NormalizeEmail", "email_status", "Invalid")
            self.add(f, "NormalizeEmail", "norm_issues", 1)
            self.add_to_list(lists, "NormalizeEmail", "Invalid E-mail Addresses")

        for attempt in (1, 2, 3):
            self.call(me, "NormalizeCountry")
            self.normalize_country(f)
            country = f.get("country")
            ok = country is not None and len(country) == 2
            self.log("Retry Attempt", me, attempt=attempt, succeeded=ok)
            if ok:
                break
        else:
            self.add(f, me, "norm_issues", 1)
            self.add_to_list(lists, me, "Unknown Country")

        self.call(me, "NormalizePhone")
        self.normalize_phone(f)
        if f["norm_issues"] > 0:
            self.log(
                "Interesting Moment",
                me,
                description=f"Data quality: {f['norm_issues']} issue(s) for {text(f.get('email'))} ({PROGRAM})",
            )

    def normalize_country(self, f: dict[str, Any]) -> None:
        me = "NormalizeCountry"
        self.add(f, me, "country_attempts", 1)
        attempt = f["country_attempts"]
        raw = f.get("country_raw")
        if attempt == 1:
            code = None if raw is None else resolve_country(raw.strip())
            self.set(f, me, "country", code or f.get("country"))
        elif attempt == 2:
            code = None if raw is None else resolve_country(raw.split(",")[-1].strip())
            self.set(f, me, "country", code or f.get("country"))
        else:
            phone = (f.get("phone") or "").casefold()
            if phone and phone.startswith(("+1", "001")):
                self.set(f, me, "country", "US")
            elif phone and phone.startswith(("+44", "0044")):
                self.set(f, me, "country", "GB")
            elif phone and phone.startswith(("+49", "0049")):
                self.set(f, me, "country", "DE")

    def normalize_phone(self, f: dict[str, Any]) -> None:
        me = "NormalizePhone"
        phone, mobile = f.get("phone"), f.get("mobile_phone")
        if phone in (None, "") and mobile in (None, ""):
            self.set(f, me, "phone_status", "Missing")
            return
        country = f.get("country")
        # coalesce() is a function: Camp evaluates both arguments, so this does too.
        first, second = e164(phone, country), e164(mobile, country)
        clean = first or second
        self.set(f, me, "phone_clean", clean)
        if clean is None:
            self.set(f, me, "phone_status", "Invalid")
            self.add(f, me, "norm_issues", 1)
        else:
            self.set(f, me, "phone", clean)
            self.set(f, me, "phone_status", "Valid")

    def segment(self, f: dict[str, Any]) -> None:
        me = "SegmentLead"
        employees = f.get("employees")
        if employees is None:
            segment = "Unknown"
        elif employees >= 5000:
            segment = "Enterprise"
        elif 200 <= employees <= 4999:
            segment = "Mid-Market"
        else:
            segment = "SMB"
        self.set(f, me, "segment", segment)

        me = "AssignRegion"
        self.call("SegmentLead", me)
        country = fold(f.get("country"))
        if country in NORTH_AMERICA:
            region, owner = "North America", "na-sales@northwind.example"
        elif country in EMEA:
            region, owner = "EMEA", "emea-sales@northwind.example"
        elif country in APAC:
            region, owner = "APAC", "apac-sales@northwind.example"
        else:
            region, owner = "Rest of World", DEFAULT_OWNER
        self.set(f, me, "region", region)
        self.set(f, me, "owner_email", owner)

    def score(self, f: dict[str, Any]) -> None:
        me = "ScoreLead"
        self.set(f, me, "fit_score", 0)
        self.set(f, me, "behavior_score", 0)

        self.call(me, "ScoreFit")
        fit = "ScoreFit"
        title = fold(f.get("title"))
        if title is not None and (
            "chief" in title
            or title.startswith("vp")
            or "vice president" in title
            or "head of" in title
        ):
            self.add(f, fit, "fit_score", 30)
        elif title is not None and "director" in title:
            self.add(f, fit, "fit_score", 20)
        elif title is not None and "manager" in title:
            self.add(f, fit, "fit_score", 10)
        elif title is not None and ("student" in title or "intern" in title):
            self.add(f, fit, "fit_score", -10)
        if fold(f.get("segment")) in FIT_SEGMENTS:
            self.add(f, fit, "fit_score", 20)
        if fold(f.get("industry")) in FIT_INDUSTRIES:
            self.add(f, fit, "fit_score", 10)
        if fold(f.get("region")) != "rest of world":
            self.add(f, fit, "fit_score", 5)
        email = f.get("email")
        if email is not None:
            local, at, domain = email.strip().rpartition("@")
            if at and local and domain and domain.lower().casefold() in FREEMAIL:
                self.add(f, fit, "fit_score", -15)

        self.call(me, "ScoreBehavior")
        behavior = "ScoreBehavior"
        self.add(f, behavior, "behavior_score", min(f["web_visits"] * 5, 40))
        source = fold(f.get("lead_source"))
        if source in HOT_SOURCES:
            self.add(f, behavior, "behavior_score", 30)
        elif source == "webinar":
            self.add(f, behavior, "behavior_score", 15)

        self.call(behavior, "ScoreRecency")
        created = f.get("created_date")
        if created is not None and self.past_30 <= created <= self.today:
            self.add(f, "ScoreRecency", "behavior_score", 10)
        elif created is None or not (self.past_365 <= created <= self.today):
            self.add(f, "ScoreRecency", "behavior_score", -5)

        self.set(f, me, "score", f["fit_score"] + f["behavior_score"])

    def qualify(self, f: dict[str, Any]) -> None:
        me = "QualifyLead"
        score = f["score"]
        if fold(f.get("email_status")) == "invalid" or f["unsubscribed"]:
            self.set(f, me, "lead_status", "Disqualified")
        elif score >= MQL_THRESHOLD:
            self.set(f, me, "lead_status", "MQL")
            self.set(f, me, "mql_date", self.today)
            self.log(
                "Interesting Moment",
                me,
                description=(
                    f"MQL for {text(f.get('owner_email'))}: {score} points "
                    f"({text(f.get('segment'))}, {text(f.get('region'))}), threshold {MQL_THRESHOLD}"
                ),
            )
        elif score >= ENGAGED_THRESHOLD:
            self.set(f, me, "lead_status", "Engaged")
        else:
            self.set(f, me, "lead_status", "Nurture")


def run(leads: Path, out: Path, activities: Path, start: dt.datetime) -> int:
    count = 0
    with (
        leads.open("r", encoding="utf-8", newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
        activities.open("w", encoding="utf-8") as log,
    ):
        reader = csv.reader(src)
        header = [h.strip() for h in next(reader)]
        kinds = [SCHEMA[name] for name in header]
        writer = csv.writer(dst)
        writer.writerow(["id", *COLUMNS])
        pipeline = Pipeline(log, start)
        for row in reader:
            if not row or row == [""]:
                continue
            count += 1
            fields = {
                name: cell(kind, raw) for name, kind, raw in zip(header, kinds, row, strict=False)
            }
            for name, default in DEFAULTS.items():
                if fields.get(name) is None:
                    fields[name] = default
            pipeline.process(count, fields)
            writer.writerow([count, *(out_cell(fields.get(c)) for c in COLUMNS)])
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--activities", type=Path, required=True)
    parser.add_argument("--start", default="2026-12-01T00:00:00")
    args = parser.parse_args(argv)
    count = run(args.leads, args.out, args.activities, dt.datetime.fromisoformat(args.start))
    print(f"leads        {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
