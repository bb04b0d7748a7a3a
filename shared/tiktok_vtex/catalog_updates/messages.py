"""Payloads of PRODUTOS-compara-xml and VTEX-PRODUTO-ADDITIONAL-IMAGES-XML.

The backend's `dispatchUpdateProducts($clientHash, $oldXml, $newXml)` sends `{clientHash, oldXml, newXml}`
without a type (tiktok_vtex.lambda_tiktok); each feed is inline XML, an `s3://` object or an `https://` URL
(an async invoke payload is limited to 256 KB). Without `oldXml` the new feed is compared with the stored
state of the last accepted run; without `newXml`, the client's feed link is read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

COMPARE_FEEDS = "triggerCompareFeeds"
UPDATE_GROUP = "triggerUpdateProductGroup"
DEACTIVATE_PRODUCTS = "triggerDeactivateProducts"
RESTORE_ITEMS = "triggerRestoreItems"
SEARCH_IMAGES = "triggerSearchImagesVtex"
ADD_IMAGES = "triggerAddVtexImages"
DEACTIVATE_BATCH = 20  # TikTok: products/deactivate takes at most 20 product ids

_CLIENT = Field(validation_alias=AliasChoices("clientHash", "client_hash"), min_length=1, max_length=128,
                pattern=r"^[A-Za-z0-9_-]+$")


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    client_hash: str = _CLIENT


class CompareFeeds(_Message):
    type: Literal["triggerCompareFeeds"] = COMPARE_FEEDS
    old_xml: str | None = Field(default=None, validation_alias=AliasChoices("oldXml", "old_xml"), max_length=200_000)
    new_xml: str | None = Field(default=None, validation_alias=AliasChoices("newXml", "new_xml"), max_length=200_000)
    warehouse_id: str | None = Field(default=None, validation_alias=AliasChoices("warehouseId", "warehouse_id"),
                                     max_length=64)


class UpdateProductGroup(_Message):
    """One product's content changes (queued by CompareFeeds; the group's raw items travel with it)."""

    type: Literal["triggerUpdateProductGroup"]
    run_id: str = Field(max_length=64)
    warehouse_id: str = Field(min_length=1, max_length=64)
    product_id: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=2)
    changed: dict[str, list[str]] = Field(default_factory=dict)  # item id -> changed feed fields
    added: list[str] = Field(default_factory=list)               # new variants of the product
    removed: list[str] = Field(default_factory=list)             # variants gone from the feed
    fingerprints: dict[str, dict[str, Any]] = Field(default_factory=dict)  # what to store once accepted


class DeactivateProducts(_Message):
    """Products whose every item left the feed: deactivated on TikTok, SKU rows kept (orders still map)."""

    type: Literal["triggerDeactivateProducts"]
    run_id: str = Field(max_length=64)
    products: dict[str, list[str]] = Field(min_length=1, max_length=DEACTIVATE_BATCH)  # product id -> item ids


class RestoreItems(_Message):
    """Items back in the feed after they left it: their rows unmarked, deactivated products activated."""

    type: Literal["triggerRestoreItems"]
    run_id: str = Field(max_length=64)
    products: dict[str, list[str]] = Field(min_length=1, max_length=DEACTIVATE_BATCH)  # product id -> item ids
    activate: list[str] = Field(default_factory=list, max_length=DEACTIVATE_BATCH)      # deactivated ones
    fingerprints: dict[str, dict[str, Any]] = Field(default_factory=dict)


class SearchImagesVtex(_Message):
    """dispatchSearchImagesVtex `{clientHash}`; `productIds` narrows it (support)."""

    type: Literal["triggerSearchImagesVtex"] = SEARCH_IMAGES
    product_ids: list[str] | None = Field(default=None, validation_alias=AliasChoices("productIds", "product_ids"),
                                          max_length=1000)


class AddVtexImages(_Message):
    type: Literal["triggerAddVtexImages"]
    product_id: str = Field(min_length=1, max_length=64)
    vtex_sku_ids: list[str] = Field(min_length=1, max_length=100)
