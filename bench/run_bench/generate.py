"""Generate N messy leads as CSV for the interpreter benchmark (bench/run_bench.py).

    python bench/run_bench/generate.py N OUT.csv [--seed 42]

The data looks like a raw list import: names in any case with stray spaces,
mixed-case and padded e-mail addresses (a few broken, a few missing), countries
spelt every which way ("usa", "U.S.", "Deutschland", "UK", "Berlin, Germany",
"Atlantis"), phone numbers in many national and international formats (some
junk, some missing), blank cells. Every cell is valid for the schema of
reference.camp, so `camp run` reads every row.

Rows are written as they are generated (one ``random.Random(seed)``), so the
output is the same for the same N and seed, and N = 1,000,000 takes no memory.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

HEADER = [
    "first_name",
    "last_name",
    "email",
    "company",
    "title",
    "country",
    "phone",
    "mobile_phone",
    "employees",
    "industry",
    "lead_source",
    "web_visits",
    "created_date",
    "unsubscribed",
    "lead_status",
]

FIRST = [
    "Ana",
    "Mike",
    "Jürgen",
    "Sarah",
    "Priya",
    "Oliver",
    "Mary-Jane",
    "Hiroshi",
    "Chloé",
    "Liam",
    "Sofia",
    "Noah",
    "Emma",
    "Lucas",
    "Mia",
    "Raj",
    "Zoë",
    "Pedro",
    "Aoife",
    "Kwame",
]
LAST = [
    "López",
    "O'Brien",
    "Müller",
    "Kim",
    "Shah",
    "Bennett",
    "Smith",
    "Tanaka",
    "Dubois",
    "García",
    "Rossi",
    "Nguyen",
    "van der Berg",
    "Kowalski",
    "D'Angelo",
    "Okafor",
    "Schmidt",
]
COMPANIES = [
    ("Globex", "globex.com"),
    ("Initech", "initech.com"),
    ("Hooli", "hooli.io"),
    ("Vandelay Industries", "vandelay.com"),
    ("Umbrella Health", "umbrella-health.com"),
    ("Wayne Enterprises", "wayne-enterprises.com"),
    ("Stark Industries", "stark.co.uk"),
    ("Acme GmbH", "acme.de"),
    ("Soylent", "soylent.es"),
    ("Tyrell", "tyrell.jp"),
    ("Cyberdyne", "cyberdyne.com.au"),
    ("Wonka", "wonka.fr"),
    ("Massive Dynamic", "massive.ca"),
]
FREEMAIL = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "gmx.de"]
TITLES = [
    "VP Marketing",
    "Chief Marketing Officer",
    "Director of Demand Generation",
    "Marketing Operations Manager",
    "Head of Growth",
    "Vice President, Sales",
    "Email Marketing Specialist",
    "Student",
    "Marketing Intern",
    "Product Manager",
    "CRM Lead",
    "Software Engineer",
    "",
    "director, field marketing",
    "Account Executive",
]
INDUSTRIES = [
    "Software",
    "Retail",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Education",
    "Government",
    "",
]
SOURCES = [
    "Website",
    "Demo Request",
    "Free Trial",
    "Webinar",
    "Trade Show",
    "Purchased List",
    "Content Download",
    "",
]
STATUSES = [""] * 14 + ["Open", "Nurture", "MQL", "Customer"]
UNSUBSCRIBED = ["false"] * 8 + ["FALSE", "", "true", "no", "TRUE", "yes", "0"]

# Country spellings, by the country whose phone formats go with them.
COUNTRIES = {
    "US": [
        "usa",
        "USA",
        "U.S.",
        "United States",
        "United States of America",
        "US",
        "us",
        "U.S.A.",
        "America",
    ],
    "GB": ["UK", "United Kingdom", "Great Britain", "England", "GB", "U.K."],
    "DE": ["Deutschland", "Germany", "DE", "germany", "Berlin, Germany", "Allemagne"],
    "ES": ["España", "Spain", "ES", "espana"],
    "CA": ["Canada", "CA", "canada"],
    "FR": ["France", "FR", "la France"],
    "JP": ["Japan", "JP", "日本"],
    "AU": ["Australia", "AU", "Oz"],
    "IN": ["India", "IN", "Bharat"],
    "BR": ["Brazil", "Brasil", "BR"],
}
COUNTRY_WEIGHTS = {
    "US": 40,
    "GB": 12,
    "DE": 12,
    "ES": 5,
    "CA": 6,
    "FR": 6,
    "JP": 4,
    "AU": 4,
    "IN": 6,
    "BR": 5,
}
JUNK_COUNTRIES = ["", "", "", "Atlantis", "n/a", "Earth", "-"]

DIAL = {
    "US": "1",
    "CA": "1",
    "GB": "44",
    "DE": "49",
    "ES": "34",
    "FR": "33",
    "JP": "81",
    "AU": "61",
    "IN": "91",
    "BR": "55",
}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def national(rng: random.Random, country: str) -> str:
    """A national significant number (without trunk prefix), mostly valid for the country."""
    if country in ("US", "CA"):
        area = rng.choice(["415", "212", "646", "312", "617", "206", "512", "416", "604", "514"])
        return area + str(rng.randint(2, 9)) + _digits(rng, 2) + _digits(rng, 4)
    if country == "GB":
        prefix = rng.choice(["20", "161", "7700", "7911", "113"])
        return prefix + _digits(rng, 10 - len(prefix))
    if country == "DE":
        return rng.choice(["30", "89", "40", "171", "151", "221"]) + _digits(
            rng, rng.choice([6, 7, 8])
        )
    if country == "ES":
        prefix = rng.choice(["91", "93", "6", "7"])
        return prefix + _digits(rng, 9 - len(prefix))
    if country == "FR":
        return rng.choice(["1", "6", "7", "4"]) + _digits(rng, 8)
    if country == "JP":
        return rng.choice(["3", "6", "90", "80"]) + _digits(rng, 8)
    if country == "AU":
        return rng.choice(["2", "3", "4"]) + _digits(rng, 8)
    if country == "IN":
        return rng.choice(["9", "8", "7"]) + _digits(rng, 9)
    return rng.choice(["11", "21"]) + "9" + _digits(rng, 8)  # BR mobile


def phone(rng: random.Random, country: str) -> str:
    r = rng.random()
    if r < 0.12:
        return ""
    if r < 0.16:
        return rng.choice(["12345", "n/a", "call me", "000", "+1 (555)"])
    nsn = national(rng, country)
    cc = DIAL[country]
    style = rng.randrange(9)
    if country in ("US", "CA"):
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        return [
            f"({a}) {b}-{c}",
            f"{a}.{b}.{c}",
            f"+1 {a} {b} {c}",
            f"001 {a} {b} {c}",
            nsn,
            f"{a}-{b}-{c} x{rng.randint(10, 999)}",
            f"1-{a}-{b}-{c}",
            f"+1{nsn}",
            f" {a} {b} {c} ",
        ][style]
    trunk = "" if country in ("ES",) else "0"
    spaced = " ".join(nsn[i : i + 3] for i in range(0, len(nsn), 3))
    return [
        f"+{cc} {spaced}",
        f"{trunk}{nsn}",
        f"00{cc} {nsn}",
        f"{trunk}{spaced}",
        f"+{cc}{nsn}",
        f"+{cc} ({trunk}){nsn}",
        f"{trunk}{nsn[:3]}/{nsn[3:]}",
        f"{trunk}{nsn[:3]}-{nsn[3:]}",
        f"+{cc}-{nsn}",
    ][style]


def messy_case(rng: random.Random, text: str) -> str:
    r = rng.random()
    if r < 0.6:
        return text
    if r < 0.75:
        return text.lower()
    if r < 0.85:
        return text.upper()
    return f"  {text} " if r < 0.95 else f"{text.lower()}  "


def email(rng: random.Random, first: str, last: str, domain: str) -> str:
    r = rng.random()
    if r < 0.04:
        return ""
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}", f"{last}.{first[0]}"])
    local = local.replace(" ", "").replace("'", "").lower()
    local = local.translate(str.maketrans("üéëóáí", "ueeoai"))
    address = f"{local}@{domain}"
    if r < 0.07:  # broken
        return rng.choice(
            [
                f"{local}@",
                f"{local} at {domain}",
                f"{local}@{domain.split('.')[0]}",
                f"mailto:{address}",
                f"{local}@@{domain}",
                f"{local}@{domain},",
            ]
        )
    r = rng.random()
    if r < 0.25:
        return address.upper() if r < 0.08 else address.title()
    if r < 0.35:
        return f"  {address} "
    return address


def row(rng: random.Random, start: dt.date) -> list[str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company, domain = rng.choice(COMPANIES)
    if rng.random() < 0.25:
        domain = rng.choice(FREEMAIL)
    country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    typed = rng.choice(COUNTRIES[country]) if rng.random() > 0.08 else rng.choice(JUNK_COUNTRIES)
    if rng.random() < 0.15:
        typed = f" {typed} " if rng.random() < 0.5 else typed.upper()
    employees = (
        ""
        if rng.random() < 0.2
        else str(rng.choice([5, 12, 40, 180, 200, 450, 1200, 4999, 5000, 42000]))
    )
    if employees and rng.random() < 0.1:
        employees = f" {employees} "
    created = start - dt.timedelta(days=int(rng.expovariate(1 / 200)))
    created_text = "" if rng.random() < 0.05 else created.isoformat()
    if created_text and rng.random() < 0.1:
        created_text += f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    visits = "" if rng.random() < 0.3 else str(int(rng.expovariate(1 / 4)))
    return [
        messy_case(rng, first),
        messy_case(rng, last),
        email(rng, first, last, domain),
        company + (" " if rng.random() < 0.2 else ""),
        rng.choice(TITLES),
        typed,
        phone(rng, country),
        phone(rng, country) if rng.random() < 0.3 else "",
        employees,
        rng.choice(INDUSTRIES),
        rng.choice(SOURCES),
        visits,
        created_text,
        rng.choice(UNSUBSCRIBED),
        rng.choice(STATUSES),
    ]


def generate(n: int, out: Path, seed: int = 42) -> None:
    rng = random.Random(seed)
    start = dt.date(2026, 11, 30)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for _ in range(n):
            writer.writerow(row(rng, start))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of leads")
    parser.add_argument("out", type=Path, help="CSV file to write")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    generate(args.n, args.out, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
