"""Where large files live: a directory (configurable with UPLOAD_STORAGE_DIR), written in chunks
so a file is never held in memory whole. The database row names the file by its random key."""

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class FileTooLarge(Exception):
    pass


class FileStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not key or not all(c.isalnum() for c in key):
            raise ValueError("not a storage key")
        return self.root / key

    def save(self, stream: BinaryIO, limit: int) -> StoredFile:
        """Copy a stream into the store, hashing as it goes; refuse (and leave nothing) when it
        grows past `limit` bytes."""
        self.root.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(20)
        target = self.path(key)
        partial = self.root / f".{key}.part"
        digest, size = hashlib.sha256(), 0
        try:
            with open(partial, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise FileTooLarge(limit)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return StoredFile(key, size, digest.hexdigest())

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
