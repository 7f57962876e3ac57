"""Checking a copy of a brief, or its fingerprint, against what the forum signed.

The signature in the file decides; the server's stored copy only adds context. So a PDF the
forum sent still checks out after someone rewrote the database, and a PDF that was slipped
into the database with a matching fingerprint does not, because nobody without the forum's
key can sign it.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from escalations import signing
from escalations.models import BriefVersion
from forum_app.models import Forum


class Outcome(StrEnum):
    GENUINE = "genuine"  # signed by this forum
    OTHER_FORUM = "other_forum"  # signed on this site, for another forum
    ALTERED = "altered"  # a signature that does not fit the file
    UNKNOWN_KEY = "unknown_key"  # signed with a key this site does not know
    UNSIGNED_RECORD = "unsigned_record"  # the server holds it, but nothing vouches for it
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Finding:
    outcome: Outcome
    sha256: str
    facts: signing.SignedFacts | None = None
    key_id: str = ""
    record: BriefVersion | None = None
    # The file is genuine, but the server's copy of that version is missing or different.
    record_differs: bool = False

    @property
    def genuine(self) -> bool:
        return self.outcome == Outcome.GENUINE


def _versions(forum: Forum):
    return BriefVersion.objects.filter(brief__forum=forum).select_related("brief")


def _from_signature(forum: Forum, check: signing.Check, sha: str) -> Finding:
    if check.verdict == signing.Verdict.BROKEN:
        known = {key.key_id for key in signing.published_keys()}
        unknown = check.key_id and check.key_id not in known
        outcome = Outcome.UNKNOWN_KEY if unknown else Outcome.ALTERED
        return Finding(outcome, sha, key_id=check.key_id)
    facts = check.facts
    if facts.forum != forum.slug:
        return Finding(Outcome.OTHER_FORUM, sha, facts=facts, key_id=check.key_id)
    record = (
        _versions(forum)
        .defer("pdf", "html")
        .filter(brief__reference=facts.reference, number=facts.version)
        .first()
    )
    return Finding(
        Outcome.GENUINE,
        sha,
        facts=facts,
        key_id=check.key_id,
        record=record,
        record_differs=record is None or record.sha256 != sha,
    )


def check_file(forum: Forum, data: bytes) -> Finding:
    """What can be said of an uploaded file: signed by this forum, altered, or unknown."""
    sha = hashlib.sha256(data).hexdigest()
    check = signing.check_pdf(data)
    if check.verdict != signing.Verdict.UNSIGNED:
        return _from_signature(forum, check, sha)
    record = _versions(forum).defer("pdf", "html").filter(sha256=sha).first()
    if record is not None:
        return Finding(Outcome.UNSIGNED_RECORD, sha, record=record)
    return Finding(Outcome.NOT_FOUND, sha)


def check_fingerprint(forum: Forum, sha: str) -> Finding:
    """What the server's copy with this fingerprint proves: only what its signature says."""
    sha = sha.strip().lower()
    record = _versions(forum).filter(sha256=sha).first()
    if record is None:
        return Finding(Outcome.NOT_FOUND, sha)
    data = bytes(record.pdf)
    if hashlib.sha256(data).hexdigest() != sha:
        return Finding(Outcome.ALTERED, sha, record=record)
    finding = check_file(forum, data)
    if finding.genuine and finding.record_differs:
        return Finding(Outcome.ALTERED, sha, record=record)
    return finding
