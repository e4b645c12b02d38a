"""Private files of requests: uploads and answers, encrypted at rest (Fernet, key from FILE_ENCRYPTION_KEY),
stored under random names in PRIVATE_DIR, which no URL serves; only views that check access read them."""

import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    return Fernet(settings.FILE_ENCRYPTION_KEY.encode())


def _path(stored_name: str) -> Path:
    if not stored_name.isalnum():  # names are ours (token_hex); anything else is an attempt to leave the folder
        raise ValueError("invalid stored name")
    return Path(settings.PRIVATE_DIR) / stored_name


def private_file_save(content: bytes) -> str:
    """Encrypt and store `content`; returns the random name to keep in the database."""
    stored_name = secrets.token_hex(32)
    path = _path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fernet().encrypt(content))
    return stored_name


def private_file_read(stored_name: str) -> bytes:
    return _fernet().decrypt(_path(stored_name).read_bytes())


def private_file_delete(stored_name: str) -> None:
    _path(stored_name).unlink(missing_ok=True)
