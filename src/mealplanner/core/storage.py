"""Object storage: one interface, a local-disk backend (default) and an S3-compatible one.

Keys are relative, `/`-separated paths (`recipes/{id}/large/x_1200x800.webp`). Clients upload
straight to the storage through a signed, expiring URL: S3's own presigned PUT, or for local
disk an HMAC-signed URL of this app (`PUT /api/v1/uploads/{key}?expires=&ct=&sig=`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from anyio import to_thread

from mealplanner.core.clock import utcnow
from mealplanner.core.config import Settings

UPLOAD_URL_TTL = timedelta(minutes=15)
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*$")


class StorageError(Exception):
    pass


class InvalidKey(StorageError):
    pass


class ObjectNotFound(StorageError):
    pass


class UploadTooLarge(StorageError):
    pass


def validate_key(key: str) -> str:
    """Refuses absolute paths, `..`, empty segments and odd characters."""
    if len(key) > 512 or not _KEY.match(key) or any(p in {".", ".."} for p in key.split("/")):
        raise InvalidKey(key)
    return key


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    url: str
    expires_at: datetime
    method: str = "PUT"
    headers: dict[str, str] = field(default_factory=dict)


class Storage(ABC):
    name: str

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    @abstractmethod
    async def get(self, key: str) -> bytes:
        """The object's bytes; `ObjectNotFound` when missing."""

    @abstractmethod
    async def size(self, key: str) -> int | None:
        """The object's size, or None when it does not exist."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Deletes the object; a missing object is not an error."""

    @abstractmethod
    async def list(self, prefix: str) -> list[StoredObject]: ...

    @abstractmethod
    async def presign_upload(self, key: str, content_type: str) -> PresignedUpload: ...

    @abstractmethod
    def public_url(self, key: str) -> str: ...

    @abstractmethod
    async def check(self) -> None:
        """Raises when the storage is unusable (health checks)."""

    async def exists(self, key: str) -> bool:
        return await self.size(key) is not None


def _sign(secret: bytes, key: str, expires: int, content_type: str) -> str:
    message = f"{key}\n{expires}\n{content_type}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class LocalStorage(Storage):
    """Files under `DATA_DIR/media`; uploads go through the app's signed `PUT` route."""

    name = "local"

    def __init__(
        self, root: Path, *, secret: str, upload_base_url: str, public_base_url: str
    ) -> None:
        self.root = root
        # A key of its own, derived from the JWT secret, so an upload signature can never
        # be replayed as anything else.
        self._secret = hmac.new(secret.encode(), b"mealplanner-uploads", hashlib.sha256).digest()
        self.upload_base_url = upload_base_url.rstrip("/")
        self.public_base_url = public_base_url.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root / validate_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await to_thread.run_sync(self._write, self.path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def write_stream(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int) -> int:
        """Streams an upload to disk, refusing it once it passes `max_bytes`."""
        path = self.path(key)
        await to_thread.run_sync(lambda: path.parent.mkdir(parents=True, exist_ok=True))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        written = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                async for chunk in chunks:
                    written += len(chunk)
                    if written > max_bytes:
                        raise UploadTooLarge(key)
                    await to_thread.run_sync(handle.write, chunk)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return written

    async def get(self, key: str) -> bytes:
        path = self.path(key)
        try:
            return await to_thread.run_sync(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFound(key) from exc

    async def size(self, key: str) -> int | None:
        path = self.path(key)
        return await to_thread.run_sync(lambda: path.stat().st_size if path.is_file() else None)

    async def delete(self, key: str) -> None:
        path = self.path(key)

        def remove() -> None:
            path.unlink(missing_ok=True)
            # Tidy empty folders up to the root (temp/{uploadId}/ would pile up otherwise).
            parent = path.parent
            with contextlib.suppress(OSError):
                while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent

        await to_thread.run_sync(remove)

    async def list(self, prefix: str) -> list[StoredObject]:
        def walk() -> list[StoredObject]:
            base = self.root / prefix.strip("/") if prefix.strip("/") else self.root
            if not base.is_dir():
                return []
            found = []
            for path in base.rglob("*"):
                if path.is_file() and not path.name.startswith(".part-"):
                    stat = path.stat()
                    found.append(
                        StoredObject(
                            key=path.relative_to(self.root).as_posix(),
                            size=stat.st_size,
                            modified_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                        )
                    )
            return sorted(found, key=lambda o: o.key)

        return await to_thread.run_sync(walk)

    def sign_upload(self, key: str, content_type: str, expires_at: datetime) -> str:
        return _sign(self._secret, key, int(expires_at.timestamp()), content_type)

    def verify_upload(self, key: str, content_type: str, expires: int, signature: str) -> bool:
        if expires < int(utcnow().timestamp()):
            return False
        expected = _sign(self._secret, key, expires, content_type)
        return hmac.compare_digest(expected, signature)

    async def presign_upload(self, key: str, content_type: str) -> PresignedUpload:
        validate_key(key)
        expires_at = (utcnow() + UPLOAD_URL_TTL).replace(microsecond=0)
        query = urlencode(
            {
                "expires": int(expires_at.timestamp()),
                "ct": content_type,
                "sig": self.sign_upload(key, content_type, expires_at),
            }
        )
        return PresignedUpload(
            url=f"{self.upload_base_url}/{quote(key)}?{query}",
            expires_at=expires_at,
            headers={"Content-Type": content_type},
        )

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{quote(key)}"

    async def check(self) -> None:
        def probe() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise StorageError("media folder is not writable")
            shutil.disk_usage(self.root)

        await to_thread.run_sync(probe)


class S3Storage(Storage):
    """Any S3-compatible store (AWS, MinIO, Garage...); boto3 calls run in a worker thread."""

    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        region: str | None,
        endpoint_url: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        public_base_url: str | None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.endpoint_url = endpoint_url
        # Creating a client does not connect; the first call does.
        self.client: Any = boto3.client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3}),
        )
        if public_base_url:
            self.public_base_url = public_base_url.rstrip("/")
        elif endpoint_url:
            self.public_base_url = f"{endpoint_url.rstrip('/')}/{bucket}"
        else:
            self.public_base_url = f"https://{bucket}.s3.{region or 'us-east-1'}.amazonaws.com"

    @staticmethod
    def _missing(exc: Exception) -> bool:
        response = getattr(exc, "response", None) or {}
        code = str(response.get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        validate_key(key)
        await to_thread.run_sync(
            lambda: self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )
        )

    async def get(self, key: str) -> bytes:
        validate_key(key)

        def read() -> bytes:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=key)
            except Exception as exc:
                if self._missing(exc):
                    raise ObjectNotFound(key) from exc
                raise
            body: bytes = response["Body"].read()
            return body

        return await to_thread.run_sync(read)

    async def size(self, key: str) -> int | None:
        validate_key(key)

        def head() -> int | None:
            try:
                response = self.client.head_object(Bucket=self.bucket, Key=key)
            except Exception as exc:
                if self._missing(exc):
                    return None
                raise
            return int(response["ContentLength"])

        return await to_thread.run_sync(head)

    async def delete(self, key: str) -> None:
        validate_key(key)
        await to_thread.run_sync(lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    async def list(self, prefix: str) -> list[StoredObject]:
        def walk() -> list[StoredObject]:
            paginator = self.client.get_paginator("list_objects_v2")
            found = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    found.append(
                        StoredObject(
                            key=item["Key"],
                            size=int(item["Size"]),
                            modified_at=item["LastModified"].astimezone(UTC),
                        )
                    )
            return found

        return await to_thread.run_sync(walk)

    async def presign_upload(self, key: str, content_type: str) -> PresignedUpload:
        validate_key(key)
        expires_at = utcnow() + UPLOAD_URL_TTL
        url = await to_thread.run_sync(
            lambda: self.client.generate_presigned_url(
                "put_object",
                Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type},
                ExpiresIn=int(UPLOAD_URL_TTL.total_seconds()),
            )
        )
        return PresignedUpload(
            url=str(url), expires_at=expires_at, headers={"Content-Type": content_type}
        )

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{quote(key)}"

    async def check(self) -> None:
        await to_thread.run_sync(lambda: self.client.head_bucket(Bucket=self.bucket))


# The job that deletes everything stored under a prefix (registered by media/tasks.py);
# domains defer it when they delete what owns the files (users/{id}/, recipes/{id}/).
DELETE_PREFIX_JOB = "media.delete_prefix"
OWNED_PREFIXES = ("users/", "recipes/")

# Where stored files are served from (the CDN base URL, S3 or /media), for schemas that turn
# keys into URLs. Set when the app builds its storage; one value per process.
_media_base_url: str | None = None


def set_media_base_url(url: str | None) -> None:
    global _media_base_url
    _media_base_url = url.rstrip("/") if url else None


def media_url(key: str | None) -> str | None:
    """The public URL of a stored key (None without a key or before storage is configured)."""
    if not key or _media_base_url is None:
        return None
    return f"{_media_base_url}/{quote(key)}"


def build_storage(settings: Settings, secret: str) -> Storage:
    """The configured backend (`MEALPLANNER_STORAGE_BACKEND=local|s3`)."""
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise RuntimeError("MEALPLANNER_S3_BUCKET must be set when STORAGE_BACKEND=s3")
        return S3Storage(
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=(
                settings.s3_secret_access_key.get_secret_value()
                if settings.s3_secret_access_key
                else None
            ),
            public_base_url=settings.cdn_base_url,
        )
    base = settings.public_base_url.rstrip("/")
    return LocalStorage(
        settings.data_dir / "media",
        secret=secret,
        upload_base_url=f"{base}/api/v1/uploads",
        public_base_url=(settings.cdn_base_url or f"{base}/media"),
    )
