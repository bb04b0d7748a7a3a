"""The stack's fiscal documents bucket (labels, NF-e XML kept for re-uploads): SSE-KMS with the stack's
key, private. Object keys are stored on the order record; nothing here is public or pre-signed."""

from __future__ import annotations

from typing import Any, Protocol

from tiktok_vtex import aws


class DocumentStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> int: ...

    def get(self, key: str) -> bytes: ...


class S3DocumentStore:
    def __init__(self, bucket: str, s3: Any | None = None, *, kms_key_id: str | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3 or aws.client("s3")
        self._kms_key_id = kms_key_id

    def put(self, key: str, body: bytes, content_type: str) -> int:
        extra: dict[str, Any] = {"ServerSideEncryption": "aws:kms"}
        if self._kms_key_id:
            extra["SSEKMSKeyId"] = self._kms_key_id
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **extra)
        return len(body)

    def get(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]


def invoice_xml_key(client_hash: str, order_id: str, access_key: str) -> str:
    return f"invoices/{client_hash}/{order_id}/{access_key}.xml"


def document_key(client_hash: str, order_id: str, package_id: str, document_type: str, extension: str) -> str:
    return f"labels/{client_hash}/{order_id}/{package_id}/{document_type}.{extension}"
