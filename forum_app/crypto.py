"""Encryption with a key that lives outside the database.

Whoever can read the database (or a backup of it) must not be able to read what is sealed
here: authenticator secrets, and ballots and answers that are waiting to be counted. The key
is derived from ``SECRET_KEY``, which is set in the server's environment and never stored in
the database. Rotating ``SECRET_KEY`` (with the old value moved to ``SECRET_KEY_FALLBACKS``)
keeps everything readable; ``manage.py reseal`` then re-encrypts it all under the new key.

Each sealed value names the key it was sealed with (a short key id), so old values stay
readable during a rotation. AES-GCM is used rather than Fernet because a Fernet token carries
the time it was made in clear, and sealed values must not say when they were written.
"""

import base64
import hashlib
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_ID_BYTES = 4
NONCE_BYTES = 12
TEXT_PREFIX = "sealed1:"


class CannotUnseal(Exception):
    """The value was sealed with a key this server no longer has, or was tampered with."""


@cache
def _derive(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"social-work-forum data key v1"
    ).derive(secret.encode())


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


def data_keys() -> list[bytes]:
    """The current key first, then the keys of ``SECRET_KEY_FALLBACKS``."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_derive(secret) for secret in secrets]


def seal(plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` under the current key, bound to ``context``.

    A value sealed for one context (say one meeting's ballot box) cannot be unsealed as if it
    belonged to another.
    """
    key = data_keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    return _key_id(key) + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def unseal(sealed: bytes, *, context: bytes) -> bytes:
    """The plaintext of a value made by ``seal`` with the same ``context``."""
    sealed = bytes(sealed)
    key_id, nonce = sealed[:KEY_ID_BYTES], sealed[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
    for key in data_keys():
        if _key_id(key) == key_id:
            try:
                return AESGCM(key).decrypt(nonce, sealed[KEY_ID_BYTES + NONCE_BYTES :], context)
            except InvalidTag:
                break
    raise CannotUnseal("This value cannot be read with the keys this server has.")


def needs_reseal(sealed: bytes) -> bool:
    """True when ``sealed`` was made with an older key than the current one."""
    return bytes(sealed)[:KEY_ID_BYTES] != _key_id(data_keys()[0])


def seal_text(text: str, *, context: bytes) -> str:
    """``seal`` for text columns: the result is printable and marked as sealed."""
    return TEXT_PREFIX + base64.b64encode(seal(text.encode(), context=context)).decode()


def is_sealed_text(value: str) -> bool:
    return value.startswith(TEXT_PREFIX)


def unseal_text(value: str, *, context: bytes) -> str:
    return unseal(base64.b64decode(value.removeprefix(TEXT_PREFIX)), context=context).decode()
