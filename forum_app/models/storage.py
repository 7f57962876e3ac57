"""What the app keeps for its own working: sealed boxes, the cache table, forms already sent."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SealedBox(models.Model):
    """A box of secret answers that are counted together, never one by one.

    One box per meeting's ballot, per forum's pulse month, per brief's "did it make a
    difference?" question. ``kind`` names what the answers are; ``scope`` which of them
    (a meeting id, a forum and month…). A closed box takes no more answers. See
    ``forum_app/sealed_box.py`` for why answers wait here sealed.
    """

    kind = models.CharField(max_length=20)
    scope = models.CharField(max_length=40)
    closed = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "scope"], name="one_box_per_scope")]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope}"


class SealedEntry(models.Model):
    """One answer waiting in a box, encrypted with a key that is not in the database.

    No person, no time, a random key. The row is written in the same transaction as the
    answerer's receipt, so the database can tell whose it is; what it holds cannot be read
    without the key, and it is deleted when its box is counted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    box = models.ForeignKey(SealedBox, on_delete=models.CASCADE, related_name="entries")
    sealed = models.BinaryField()
    code_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    def __str__(self) -> str:
        return f"Sealed answer in box {self.box_id}"


class CacheEntry(models.Model):
    """A row of the database cache (Django's DatabaseCache), used while Redis is down.

    See ``forum_app.cache``. A model only so that a migration makes the table; nothing but
    the cache reads or writes it.
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "forum_app_cache"
        verbose_name = _("cache entry")
        verbose_name_plural = _("cache entries")

    def __str__(self) -> str:
        return self.cache_key


class FormSubmission(models.Model):
    """A form that has been sent once, by the hash of its one-time token (``forum_app.once``).

    Only for named actions: it holds no person, and anonymous posts never write one.
    ``result`` is the page the first send led to, so sending the same form again (Back,
    then Send; or a refresh) leads there too instead of creating a second copy. Only the day
    it was sent is kept (no time of day), so old rows can go (``forum_app.retention``).
    """

    key = models.CharField(max_length=64, unique=True)
    result = models.CharField(max_length=500, blank=True)
    sent_on = models.DateField(default=timezone.localdate, db_index=True)

    class Meta:
        verbose_name = _("form sent")
        verbose_name_plural = _("forms sent")

    def __str__(self) -> str:
        return self.key[:12]
