"""{FunctionPrefix}VTEX-PRODUTO-ADDITIONAL-IMAGES-XML (legacy dispatchSearchImagesVtex): the VTEX SKU images
the TikTok products lack.

- invoke `{clientHash, productIds?}`: one `triggerAddVtexImages` message per TikTok product of the client
  (its SKUs from ssxml_tik_tok_products_seller_sku; SKUs marked removed_from_feed left out) on the images
  queue; an unusable client is logged and answered 409.
- SQS `triggerAddVtexImages`: the product's VTEX files, in order, through the image cache, appended to its
  main images (at most 9) in one partial edit (tiktok_vtex.catalog_updates.images); the outcome goes to
  TikTokLogProduct (`product_images`). Failures fail only their record; after 5 receives, the DLQ.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from catalog.wiring import CatalogWiring
from tiktok_vtex.catalog.images import ImageUploader
from tiktok_vtex.catalog.messages import CatalogMessageError, parse
from tiktok_vtex.catalog_updates.images import add_vtex_images, products_of
from tiktok_vtex.catalog_updates.messages import ADD_IMAGES, SEARCH_IMAGES, AddVtexImages, SearchImagesVtex
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.invocation import route_event
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.settings import ProductImagesSettings, get_settings
from tiktok_vtex.sync.outcomes import ClientUnavailable

processor = BatchProcessor(event_type=EventType.SQS)


@cache
def wiring() -> CatalogWiring:
    return CatalogWiring(get_settings(ProductImagesSettings))


def search(message: SearchImagesVtex, deps: CatalogWiring) -> dict[str, Any]:
    try:
        deps.shop_link(message.client_hash)
    except ClientUnavailable as error:
        deps.log.append(message.client_hash, "client_unavailable", message.client_hash, {"reason": error.reason})
        return {"statusCode": 409, "body": {"status": "client_unavailable", "reason": error.reason}}
    products = products_of(deps.sync.products.iter_client_skus(message.client_hash))
    if message.product_ids is not None:
        products = {pid: skus for pid, skus in products.items() if pid in set(message.product_ids)}
    queue = QueuePublisher(deps.settings.product_images_queue_url)  # type: ignore[attr-defined]
    messages = [{"type": ADD_IMAGES, "clientHash": message.client_hash, "product_id": pid, "vtex_sku_ids": skus[:100]}
                for pid, skus in sorted(products.items())]
    for start in range(0, len(messages), 10):
        queue.send(messages[start:start + 10])
    metrics.add_metric(name="CatalogImageProductsQueued", unit=MetricUnit.Count, value=len(messages))
    return {"statusCode": 200, "body": {"products": len(messages)}}


def handle(message: AddVtexImages, deps: CatalogWiring) -> dict[str, Any]:
    link = deps.shop_link(message.client_hash)
    tiktok = deps.tiktok(message.client_hash)
    uploader = ImageUploader(link.shop_id or message.client_hash, tiktok, deps.images, policy=deps.policy)
    outcome = add_vtex_images(message.product_id, message.vtex_sku_ids, vtex=deps.sync.vtex(message.client_hash),
                              tiktok=tiktok, images=uploader)
    deps.log.append(message.client_hash, "product_images", message.product_id, outcome.as_log())
    metrics.add_metric(name=f"CatalogImages{outcome.status.capitalize()}", unit=MetricUnit.Count, value=1)
    return {"status": outcome.status, "added": len(outcome.added)}


def record_handler(record: SQSRecord) -> dict[str, Any]:
    try:
        message = parse(json.loads(record.body), AddVtexImages)
        return handle(message, wiring())  # type: ignore[arg-type]
    except (ValueError, CatalogMessageError) as error:
        logger.error("malformed images message", extra={"message_id": record.message_id, "error": str(error)[:300]})
        raise
    except ClientUnavailable as error:
        logger.warning("images skipped for client", extra={"client_hash": error.client_hash, "reason": error.reason})
        return {"status": "client_unavailable"}


def _parse_invoke(payload: Any) -> SearchImagesVtex:
    if isinstance(payload, dict) and "type" not in payload:  # the legacy payload is {clientHash}
        payload = {**payload, "type": SEARCH_IMAGES}
    return parse(payload, SearchImagesVtex)  # type: ignore[return-value]


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return route_event(event, context, processor=processor, record_handler=record_handler, parse=_parse_invoke,
                       invalid=CatalogMessageError, invalid_log="invalid images invoke",
                       invoke=lambda message: search(message, wiring()))
