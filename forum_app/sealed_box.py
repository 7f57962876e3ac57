"""Secret answers, counted in batches so that no stored trace ties one answer to one person.

Ballots, workload-pulse answers and "did it make a difference?" answers each have a receipt
(who answered, so nobody answers twice) and the answer itself. Whoever can read the database
can tie the two if they are written together: both rows carry the same transaction id
(PostgreSQL's ``xmin``), and a running total that is updated keeps its old version on disk
until vacuum, so one answer is the difference between two versions. Written apart, they are
still tied by the order of transaction ids and row ids.

So an answer is sealed here: encrypted with a key that is not in the database
(``forum_app.crypto``), padded to a fixed size, and left in its box with no person, no time and
a random id. The receipt and the sealed answer are written in one transaction, so an answer is
never lost or counted twice, but what the database shows of it cannot be read. A box is opened
when it closes (a meeting's vote, a pulse month) or once it holds at least k answers: one
transaction unseals every waiting answer, shuffles them, hands them to the app to count and
deletes them. After that the database shows a batch of answers counted together, tied to the
batch's people as a group, never to one of them.

What this does not protect against is someone who also has the key (``SECRET_KEY``) and a copy
of the database from before the box was opened; docs/security.md says so.
"""

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from forum_app.crypto import seal, unseal
from forum_app.models import SealedBox, SealedEntry

# Every sealed answer is this long (or a multiple of it), so its size says nothing.
PADDED_BYTES = 512


class BoxClosed(Exception):
    """The box was closed (the vote or the month ended) before this answer arrived."""


@dataclass(frozen=True)
class Box:
    """Which box: ``kind`` says what the answers are, ``scope`` which question they answer."""

    kind: str
    scope: str

    @property
    def context(self) -> bytes:
        return f"{self.kind}:{self.scope}".encode()


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _pack(payload: dict) -> bytes:
    data = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    size = -(-len(data) // PADDED_BYTES) * PADDED_BYTES
    return data.ljust(size, b" ")


def _unpack(data: bytes) -> dict:
    return json.loads(data.decode().rstrip(" "))


def _locked(box: Box, *, create: bool) -> SealedBox | None:
    if create:
        SealedBox.objects.get_or_create(kind=box.kind, scope=box.scope)
    return SealedBox.objects.select_for_update().filter(kind=box.kind, scope=box.scope).first()


@transaction.atomic
def sealed_put(*, box: Box, payload: dict, code: str | None = None) -> None:
    """Seal one answer into ``box``; call it inside the transaction that writes the receipt.

    ``code``, if given, lets whoever holds it replace the answer until the box is opened.
    Raises ``BoxClosed`` when the box no longer takes answers.
    """
    locked = _locked(box, create=True)
    if locked.closed:
        raise BoxClosed
    SealedEntry.objects.create(
        box=locked,
        sealed=seal(_pack(payload), context=box.context),
        code_hash=code_hash(code) if code else None,
    )


@transaction.atomic
def sealed_replace(*, box: Box, code: str, payload: dict) -> bool:
    """Replace the waiting answer that ``code`` was given for; False if there is none.

    Raises ``BoxClosed`` when the box has closed.
    """
    locked = _locked(box, create=False)
    if locked is None:
        return False
    if locked.closed:
        raise BoxClosed
    return bool(
        SealedEntry.objects.filter(box=locked, code_hash=code_hash(code)).update(
            sealed=seal(_pack(payload), context=box.context)
        )
    )


@transaction.atomic
def sealed_open(
    *, box: Box, count: Callable[[list[dict]], None], at_least: int = 0, close: bool = False
) -> int:
    """Count the waiting answers of ``box`` together; returns how many were counted.

    Nothing happens while fewer than ``at_least`` answers wait (unless ``close``). ``count``
    receives the answers in random order and writes the results in this same transaction.
    ``close`` also stops the box taking answers. Running it twice counts nothing twice.
    """
    locked = _locked(box, create=close)
    if locked is None:
        return 0
    entries = list(SealedEntry.objects.filter(box=locked).values_list("pk", "sealed"))
    if len(entries) < at_least and not close:
        return 0
    answers = [_unpack(unseal(sealed, context=box.context)) for _pk, sealed in entries]
    random.SystemRandom().shuffle(answers)
    if answers:
        count(answers)
    SealedEntry.objects.filter(pk__in=[pk for pk, _sealed in entries]).delete()
    if close and not locked.closed:
        locked.closed = True
        locked.save(update_fields=["closed"])
    return len(answers)


def sealed_waiting(box: Box) -> int:
    """How many answers wait in ``box`` to be counted."""
    return SealedEntry.objects.filter(box__kind=box.kind, box__scope=box.scope).count()


def is_closed(box: Box) -> bool:
    return SealedBox.objects.filter(kind=box.kind, scope=box.scope, closed=True).exists()
