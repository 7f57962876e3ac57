"""Demo data: people, a forum and sample issues, for trying the app and for tests.

Demo passwords live only here and are printed by ``make run``; never use them for real data.
"""

import json
from dataclasses import dataclass
from pathlib import Path

DEMO_DOMAIN = "demo.example"
DEMO_PASSWORD = "forum-demo-2026"  # noqa: S105 — demo data only
DEMO_FORUM_SLUG = "childrens"
SAMPLE_ISSUES_PATH = Path(__file__).with_name("sample_issues.json")


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str


def _person(local: str, name: str, role: str) -> DemoPerson:
    return DemoPerson(email=f"{local}@{DEMO_DOMAIN}", name=name, role=role)


DEMO_PEOPLE = [
    _person("convenor", "Priya Shah", "convenor"),
    _person("amira", "Amira Hussain", "member"),
    _person("ben", "Ben Clarke", "member"),
    _person("chloe", "Chloe Evans", "member"),
    _person("dev", "Dev Patel", "member"),
    _person("ellie", "Ellie Morgan", "member"),
    _person("femi", "Femi Adeyemi", "member"),
    _person("grace", "Grace O'Neill", "member"),
    _person("harry", "Harry Wilson", "member"),
    _person("isla", "Isla Campbell", "member"),
    _person("jack", "Jack Thomas", "member"),
    _person("kiran", "Kiran Rai", "member"),
    _person("lucy", "Lucy Hughes", "member"),
    _person("steward", "Sam Robinson", "steward"),
    _person("director", "Helen Ward (Director of Children's Services)", "leader"),
    _person("head", "Mark Bailey (Head of Service)", "leader"),
]


def load_sample() -> dict:
    return json.loads(SAMPLE_ISSUES_PATH.read_text(encoding="utf-8"))


def logins_text() -> str:
    lines = [f"Demo logins (the password for all is {DEMO_PASSWORD}):"]
    lines += [f"  {p.role:<9} {p.email}" for p in DEMO_PEOPLE]
    lines.append(
        "Convenor, steward and leaders must use two-factor authentication: when asked for a "
        "code, run `.venv/bin/python manage.py demo_code` in another terminal."
    )
    return "\n".join(lines)


# Each feature app adds its demo data by registering a seeder in its AppConfig.ready();
# they run in the order of INSTALLED_APPS (issues before the meetings that group them).
_seeders: list = []


def demo_seeder_register(seeder) -> None:
    """Add ``seeder(forum)`` to what ``seed_demo`` runs after making the demo forum."""
    if seeder not in _seeders:
        _seeders.append(seeder)


def demo_seeders() -> list:
    return list(_seeders)
