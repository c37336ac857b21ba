"""Where attachment bytes live: one small interface, a local folder or an S3-compatible bucket.

Keys are `company_id/attachment_id` (both hub-chosen hex), never the uploaded name, so a
name cannot climb out of the folder or collide; a company's prefix goes whole when the
company is erased. The S3 store runs boto3, the AWS SDK itself, in a worker thread: its
calls block, and the event loop must not.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path
from typing import Any, Protocol

from hub.settings import Settings

KEY = re.compile(r"^[0-9a-f]{32}(?:/[0-9a-f]{32})?$")


class Missing(Exception):
    """The store has no object under this key."""


class AttachmentStore(Protocol):
    """Bytes by key. Keys are validated by the caller's shape (`KEY`)."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes:
        """Raises Missing."""
        ...

    async def delete(self, key: str) -> None:
        """Deleting what is not there is not an error."""
        ...

    async def delete_prefix(self, prefix: str) -> None:
        """Every object under `prefix/` (a company's, when it is erased)."""
        ...


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise ValueError(f"not an attachment key: {key!r}")
    return key


class LocalStore:
    """Files in a folder: `root/company_id/attachment_id`, written whole then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.chmod(partial, 0o600)  # never executable, readable by the hub alone
        partial.replace(path)  # readers never see half a file

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise Missing(key) from None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def delete_prefix(self, prefix: str) -> None:
        await asyncio.to_thread(shutil.rmtree, self._path(prefix), True)


class S3Store:
    """Objects in an S3-compatible bucket (AWS, MinIO, R2, ...), path-style addressing."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=_checked(key),
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, _checked(key))

    def _get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            raise Missing(key) from None
        body: bytes = response["Body"].read()
        return body

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=_checked(key))

    async def delete_prefix(self, prefix: str) -> None:
        await asyncio.to_thread(self._delete_prefix, _checked(prefix) + "/")

    def _delete_prefix(self, prefix: str) -> None:
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:  # at most 1,000 a page: what one DeleteObjects call takes
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})


def make_store(settings: Settings) -> AttachmentStore:
    """The S3 store when HUB_S3_BUCKET is set, else the local folder."""
    if settings.s3_bucket is None:
        return LocalStore(settings.attachments_path)
    import boto3  # only where S3 is configured: it is a large import
    from botocore.config import Config

    secret = settings.s3_secret_access_key
    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region or "us-east-1",
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=None if secret is None else secret.reveal(),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )
    return S3Store(client, settings.s3_bucket)
