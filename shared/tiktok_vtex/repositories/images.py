"""ssxml_tik_tok_images: what was uploaded to TikTok's images/upload, per shop, so an image is uploaded
once per shop even across runs.

Key: shop_id + image_key. Two kinds of rows:
* `sha256:<content hash>:<use case>` -> uri, width, height, bytes, uploaded_at (the upload itself);
* `url:<sha256 of the URL>` -> url, content_sha256, etag, last_modified, fetched_at (so a rerun asks the
  image host "changed since?" instead of downloading it again).
"""

from __future__ import annotations

from typing import Any

from tiktok_vtex.repositories.base import DynamoTable


class ImageRepository:
    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)

    def get(self, shop_id: str, image_key: str) -> dict[str, Any] | None:
        return self._table.get({"shop_id": shop_id, "image_key": image_key})

    def put(self, shop_id: str, image_key: str, **attributes: Any) -> None:
        self._table.put({"shop_id": shop_id, "image_key": image_key, **attributes})
