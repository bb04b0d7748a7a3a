"""What the seeding of the events/ samples needs from the TikTok sandbox (local/runtime/sample_world.py): the
seller's web host (`/sandbox/files`, a feed or an NF-e behind a VTEX invoiceUrl) and orders with fixed ids
for their package."""

from __future__ import annotations

from .conftest import Env


def test_a_seller_file_is_served_as_stored(tt: Env) -> None:
    body = '<?xml version="1.0"?><rss><channel><title>Loja Demonstração</title></channel></rss>'.encode()
    stored = tt.admin.put("/sandbox/files/loja/feeds/tiktok.xml", content=body,
                          headers={"Content-Type": "application/xml"})
    assert stored.status_code == 201 and stored.json()["size"] == len(body)
    served = tt.admin.get("/sandbox/files/loja/feeds/tiktok.xml")
    assert served.status_code == 200 and served.content == body
    assert served.headers["content-type"].startswith("application/xml")
    assert tt.admin.get("/sandbox/files/loja/feeds/other.xml").status_code == 404
    tt.post("/sandbox/reset")
    assert tt.admin.get("/sandbox/files/loja/feeds/tiktok.xml").status_code == 404  # reset forgets them


def test_an_order_with_a_fixed_package_id(seeded: Env) -> None:
    spec = {"order_id": "580192503814523099", "package_id": "1153000000000000099", "status": "AWAITING_SHIPMENT",
            "notify": False, "items": [{"seller_sku": "880400", "quantity": 1}]}
    order = seeded.post("/sandbox/orders", spec)
    assert order["packages"] == [{"id": "1153000000000000099"}]
    assert seeded.get("/sandbox/state/packages/1153000000000000099")["orders"] == [{"id": "580192503814523099"}]
    again = seeded.admin.post("/sandbox/orders", json={**spec, "order_id": "580192503814523098"})
    assert again.status_code == 400 and "not used yet" in again.json()["error"]
    short = seeded.admin.post("/sandbox/orders", json={**spec, "order_id": "580192503814523097", "package_id": "42"})
    assert short.status_code == 400 and "19 digits" in short.json()["error"]
    unpaid = seeded.post("/sandbox/orders", {**spec, "order_id": "580192503814523096", "package_id": "", "status":
                                             "UNPAID"})
    assert unpaid["packages"] == []
