"""What changed between two versions of a brief, read from their frozen snapshots."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from escalations.models import Brief, BriefVersion

# The parts of a brief a reader would call its content, in the order the document shows
# them. The date, version number and signing details change with every send and are left out.
FIELDS = (
    ("title", _("Title")),
    ("recipients", _("To")),
    ("response_by", _("Response needed by")),
    ("ask", _("The ask")),
    ("problem", _("The problem")),
    ("impact", _("The impact")),
    ("evidence", _("The evidence")),
    ("figures", _("Other figures")),
    ("quotes", _("Quotes")),
    ("proposed_solutions", _("What practitioners propose")),
)
REASON_LIMIT = 200


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionSummary:
    number: int
    sent_at: datetime.datetime
    reason: str
    current: bool
    changes: list[Change]

    @property
    def changed(self) -> str:
        return ", ".join(str(change.label) for change in self.changes)


def _text(field: str, value) -> str:
    """A snapshot's value as plain text a person can compare."""
    if value is None:
        return ""
    if field == "response_by":
        return datetime.date.fromisoformat(value).strftime("%-d %B %Y")
    if field == "evidence":
        return str(
            _("%(issues)s issues, %(supporters)s supporters, %(meetings)s meetings, %(dots)s dots")
            % {key: value.get(key, 0) for key in ("issues", "supporters", "meetings", "dots")}
        )
    if field == "figures":
        return "\n".join(f"{item['text']} ({item['source']})" for item in value)
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def snapshot_changes(before: dict, after: dict) -> list[Change]:
    """The content fields that differ between two snapshots, each with both texts."""
    changes = []
    for field, label in FIELDS:
        old, new = _text(field, before.get(field)), _text(field, after.get(field))
        if old != new:
            changes.append(Change(field=field, label=str(label), before=old, after=new))
    return changes


def version_history(brief: Brief) -> list[VersionSummary]:
    """Every sent version, newest first, with its reason and what changed from the one before."""
    versions = list(
        BriefVersion.objects.filter(brief=brief)
        .order_by("number")
        .only("number", "sent_at", "reason", "snapshot")
    )
    summaries = []
    for index, version in enumerate(versions):
        earlier = versions[index - 1].snapshot if index else None
        summaries.append(
            VersionSummary(
                number=version.number,
                sent_at=version.sent_at,
                reason=version.reason,
                current=index == len(versions) - 1,
                changes=snapshot_changes(earlier, version.snapshot) if earlier else [],
            )
        )
    return summaries[::-1]
