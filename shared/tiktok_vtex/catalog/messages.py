"""Payloads of PRODUTOS-lista-produtos, BRANDS-VTEX and BRANDS-TTK (legacy names and fields kept:
`client_hash` or `clientHash`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

PREPARE_PRODUCT_LIST = "triggerPrepareProductList"
LIST_GROUP = "triggerListProductGroup"
GENERATE_BRANDS = "triggerGenerateBrands"
PREPARE_BRAND_DATA = "triggerPrepareBrandData"

_CLIENT = Field(validation_alias=AliasChoices("clientHash", "client_hash"), min_length=1, max_length=128,
                pattern=r"^[A-Za-z0-9_-]+$")


class CatalogMessageError(ValueError):
    """A payload that is refused (the message names what is wrong, never its content)."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    client_hash: str = _CLIENT


class PrepareProductList(_Message):
    """dispatchGenerateProducts: {type, client_hash, url, warehouse_id}; `feed` carries a feed inline
    (XML; an async invoke takes at most 256 KB, a synchronous one 6 MB)."""

    type: Literal["triggerPrepareProductList"]
    url: str | None = Field(default=None, max_length=4096)
    feed: str | None = Field(default=None, max_length=6_000_000)
    warehouse_id: str | None = Field(default=None, validation_alias=AliasChoices("warehouse_id", "warehouseId"),
                                     max_length=64)


class SendProductSandbox(_Message):
    """dispatchSendProductSandbox: the client's feed listed in the integrator's own test shop (the client
    named by the CATALOG_TRIAL_CLIENT_HASH setting), reporting pre-flight and creation without touching the
    seller's shop or SKU table."""

    type: Literal["triggerSendProductSandbox"]
    url: str | None = Field(default=None, max_length=4096)
    feed: str | None = Field(default=None, max_length=6_000_000)
    warehouse_id: str | None = Field(default=None, validation_alias=AliasChoices("warehouse_id", "warehouseId"),
                                     max_length=64)


class ListProductGroup(_Message):
    """One group of a split feed (queued by PrepareProductList)."""

    type: Literal["triggerListProductGroup"]
    run_id: str = Field(validation_alias=AliasChoices("runId", "run_id"), max_length=64)
    warehouse_id: str = Field(validation_alias=AliasChoices("warehouseId", "warehouse_id"), min_length=1,
                              max_length=64)
    group: str = Field(min_length=2)
    # dispatchSendProductSandbox: the shop the group is listed in (the integrator's test client)
    trial_client_hash: str | None = Field(default=None, validation_alias=AliasChoices("trialClientHash",
                                                                                      "trial_client_hash"))


class GenerateBrands(_Message):
    """dispatchGenerateBrands -> BRANDS-VTEX (copy the VTEX brand list); `chain` then runs BRANDS-TTK."""

    type: Literal["triggerGenerateBrands"]
    chain: bool = True


class PrepareBrandData(_Message):
    """BRANDS-TTK: match or create every brand without tik_tok_brand_id."""

    type: Literal["triggerPrepareBrandData"]


class PrepareBrandDataAllClients(BaseModel):
    """The daily schedule of BRANDS-TTK: every active client (brands carried over by the daily limit)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["triggerPrepareBrandDataAllClients"]


def parse(payload: Any, *allowed: type[BaseModel]) -> BaseModel:
    if not isinstance(payload, dict):
        raise CatalogMessageError("message is not a JSON object")
    by_type = {m.model_fields["type"].annotation.__args__[0]: m for m in allowed}  # type: ignore[union-attr]
    model = by_type.get(payload.get("type"))
    if model is None:
        raise CatalogMessageError(f"unknown message type {str(payload.get('type'))[:60]!r} "
                                  f"(expected {', '.join(sorted(by_type))})")
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
        raise CatalogMessageError(f"invalid {payload['type']} message: {', '.join(fields)}") from None
