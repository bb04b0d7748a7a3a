"""Seeds the demo client the way an integrator onboards one, against the running local stack.

- ssxml_client: the backend's client row, whose tik_tok_shop_store_id holds the TikTok shop code;
- the client's VTEX credentials secret (`<stack>/vtex/<client_hash>`), pointing at the VTEX sandbox store;
- both sandboxes' demo store (the same catalog: local/fixtures/demo_catalog.py);
- ssxml_tik_tok_products_seller_sku: which VTEX SKU is which TikTok product/SKU (what the catalog flow
  writes when it lists products on TikTok).
"""

from __future__ import annotations

import json
from typing import Any

from local.demo.context import DemoContext
from local.fixtures.demo_catalog import demo_catalog


def vtex_secret_document(env: dict[str, str] | Any) -> dict[str, Any]:
    return {
        "account": env["VTEX_ACCOUNT"],
        "app_key": env["VTEX_APP_KEY"],
        "app_token": env["VTEX_APP_TOKEN"],
        "warehouse_ids": [env["VTEX_WAREHOUSE_ID"]],
        "warehouse_map": {env["VTEX_WAREHOUSE_ID"]: env["DEMO_TIKTOK_WAREHOUSE_ID"]},
        "sales_channel": env["VTEX_SALES_CHANNEL"],
        "affiliate_id": env["VTEX_AFFILIATE_ID"],
    }


def seed_demo_client(ctx: DemoContext, products: int | None = None) -> dict[str, int]:
    """`products`: a smaller demo catalog (the chaos smoke); None: the demo's."""
    env = ctx.env
    client_hash = env["DEMO_CLIENT_HASH"]
    ctx.table("ClientTable").put_item(
        Item={
            "client_hash": client_hash,
            "tik_tok_shop_store_id": env["DEMO_SHOP_CODE"],
            "tik_tok_shop_warehouse_id": env["DEMO_TIKTOK_WAREHOUSE_ID"],
        }
    )

    secrets = ctx.aws_client("secretsmanager")
    prefix = ctx.stack.resolve({"Ref": "AWS::StackName"})  # the functions' VTEX_SECRET_PREFIX
    name = f"{prefix}/vtex/{client_hash}"
    document = json.dumps(vtex_secret_document(env))
    try:
        secrets.create_secret(Name=name, SecretString=document)
    except secrets.exceptions.ResourceExistsException:
        secrets.put_secret_value(SecretId=name, SecretString=document)

    for base_url in (ctx.vtex_url, ctx.tiktok_url):
        response = ctx.http.post(f"{base_url}/sandbox/seed/demo", json={"products": products} if products else {})
        response.raise_for_status()

    catalog = demo_catalog(products=products) if products else demo_catalog()
    skus = ctx.table("ProductsSellerSkuTable")
    count = 0
    with skus.batch_writer() as writer:
        for product in catalog["products"]:
            for sku in product["skus"]:
                writer.put_item(
                    Item={
                        "client_hash": client_hash,
                        "seller_sku": sku["seller_sku"],
                        "vtex_sku_id": str(sku["id"]),
                        "product_id": str(product["id"]),
                        "tik_tok_product_id": product["tiktok_product_id"],
                        "tik_tok_sku_id": sku["tiktok_sku_id"],
                        "created_at": "2026-01-28T10:00:00Z",
                    }
                )
                count += 1
    return {"products": len(catalog["products"]), "skus": count, "brands": len(catalog["brands"])}
