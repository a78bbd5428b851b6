"""Secrets at rest (registry passwords, credentials a job needs for a while).

Sealed with Fernet (AES-128-CBC + HMAC) under a key derived from SECRET_KEY,
so a database dump alone does not reveal them. Rotating SECRET_KEY makes old
sealed values unreadable: `unseal` then raises ValueError, and the owner of
the secret has to enter it again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"berth-secrets:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(plain: str) -> str:
    """Encrypt `plain` for storage; "" stays ""."""
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    """Decrypt a value made by `seal`; ValueError when it cannot be read."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "this secret cannot be decrypted (was SECRET_KEY changed?)"
        ) from None
