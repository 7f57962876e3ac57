"""The forum's signature on every sent brief, and checking it.

Each sent version's PDF ends with one PDF comment line after ``%%EOF`` (PDF readers ignore
it) that names the forum, the reference, the version and when it was sent, and carries an
Ed25519 signature over those facts and the SHA-256 of the PDF before that line. The private
key comes from the settings (an environment variable or a secrets file), never from the
database, so whoever can rewrite the database can swap a stored PDF and its fingerprint but
cannot sign the swap. A copy of a PDF proves itself: checking needs only the file and the
forum's public keys, which the verify page publishes.
"""

import base64
import datetime
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from urllib.parse import quote, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from forum_app.env import ed25519_key_bytes

MARKER = b"%SWF-Brief-Signature v1 "
FORMAT = "Social Work Forum brief signature v1"
# A PDF reader looks for the cross-reference table near the end of the file; the line must
# stay short enough not to push it out of sight.
MAX_LINE = 512


@dataclass(frozen=True)
class SignedFacts:
    """What a signature vouches for."""

    forum: str
    reference: str
    version: int
    sent_at: datetime.datetime
    sha256: str  # of the PDF before the signature line

    def message(self) -> bytes:
        return "\n".join(
            [
                FORMAT,
                f"forum: {self.forum}",
                f"reference: {self.reference}",
                f"version: {self.version}",
                f"sent: {_iso(self.sent_at)}",
                f"sha256: {self.sha256}",
            ]
        ).encode()


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    public_key: str
    current: bool


class Verdict(StrEnum):
    SIGNED = "signed"  # a valid signature by one of the forum's keys
    UNSIGNED = "unsigned"  # no signature line at all
    BROKEN = "broken"  # a signature line that does not match the file, or an unknown key


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    facts: SignedFacts | None = None
    key_id: str = ""


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public: Ed25519PublicKey) -> str:
    """A short name for a public key: the start of its SHA-256, in groups of four."""
    digest = hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


@lru_cache(maxsize=4)
def _private_key(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(ed25519_key_bytes("BRIEF_SIGNING_KEY", text))


@lru_cache(maxsize=16)
def _public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(ed25519_key_bytes("BRIEF_PREVIOUS_PUBLIC_KEYS", text))


def signing_key() -> Ed25519PrivateKey:
    return _private_key(settings.BRIEF_SIGNING_KEY)


def published_keys() -> list[PublishedKey]:
    """The current public key, then those of retired keys that still vouch for old briefs."""
    current = signing_key().public_key()
    keys = [PublishedKey(key_id(current), _public_text(current), current=True)]
    for text in settings.BRIEF_PREVIOUS_PUBLIC_KEYS:
        public = _public_key(text)
        if key_id(public) != keys[0].key_id:
            keys.append(PublishedKey(key_id(public), _public_text(public), current=False))
    return keys


def _public_text(public: Ed25519PublicKey) -> str:
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _verification_keys() -> dict[str, Ed25519PublicKey]:
    keys = {}
    for text in settings.BRIEF_PREVIOUS_PUBLIC_KEYS:
        public = _public_key(text)
        keys[key_id(public)] = public
    current = signing_key().public_key()
    keys[key_id(current)] = current
    return keys


def sign_pdf(
    pdf: bytes, *, forum: str, reference: str, version: int, sent_at: datetime.datetime
) -> bytes:
    """``pdf`` with the forum's signature line added after its end."""
    if not pdf.endswith(b"\n"):
        pdf += b"\n"
    facts = SignedFacts(
        forum=forum,
        reference=reference,
        version=version,
        sent_at=sent_at.replace(microsecond=0),
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    private = signing_key()
    signature = private.sign(facts.message())
    fields = {
        "key": key_id(private.public_key()),
        "forum": facts.forum,
        "reference": facts.reference,
        "version": str(facts.version),
        "sent": _iso(facts.sent_at),
        "sig": _b64(signature),
    }
    line = MARKER + " ".join(f"{k}={quote(v, safe='')}" for k, v in fields.items()).encode()
    if len(line) > MAX_LINE:
        raise ValueError("The signature line is too long for a PDF reader to look past.")
    return pdf + line + b"\n"


def check_pdf(data: bytes) -> Check:
    """Whether ``data`` carries a valid signature by one of the forum's keys, and of what."""
    start = data.rfind(b"\n" + MARKER)
    if start < 0:
        return Check(Verdict.UNSIGNED)
    body, line = data[: start + 1], data[start + 1 :]
    if not line.endswith(b"\n") or b"\n" in line[:-1]:
        return Check(Verdict.BROKEN)
    try:
        fields = dict(
            part.split("=", 1) for part in line[len(MARKER) : -1].decode("ascii").split(" ")
        )
        fields = {name: unquote(value) for name, value in fields.items()}
        facts = SignedFacts(
            forum=fields["forum"],
            reference=fields["reference"],
            version=int(fields["version"]),
            sent_at=datetime.datetime.fromisoformat(fields["sent"]),
            sha256=hashlib.sha256(body).hexdigest(),
        )
        signature = _unb64(fields["sig"])
        public = _verification_keys().get(fields["key"])
    except (KeyError, ValueError, UnicodeDecodeError):
        return Check(Verdict.BROKEN)
    if public is None:
        return Check(Verdict.BROKEN, key_id=fields["key"])
    try:
        public.verify(signature, facts.message())
    except InvalidSignature:
        return Check(Verdict.BROKEN, key_id=fields["key"])
    return Check(Verdict.SIGNED, facts=facts, key_id=fields["key"])


def version_anchor(version, *, tz: datetime.tzinfo | None = None) -> dict:
    """What every email about a sent version carries, so the forum's record lives outside it.

    ``version`` is a ``BriefVersion``; the result goes into email contexts (JSON).
    """
    sent = version.sent_at.astimezone(tz) if tz else version.sent_at
    return {
        "brief_id": version.brief_id,
        "version": version.number,
        "fingerprint": version.sha256,
        "sent_on": sent.strftime("%-d %B %Y"),
        "signing_key": version.snapshot.get("signing_key", ""),
        "verify_link": version.snapshot.get("verify_url", ""),
    }
