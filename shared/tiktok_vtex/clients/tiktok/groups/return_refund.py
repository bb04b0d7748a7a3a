"""Return and refund API: cancellations and returns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tiktok_vtex.clients.tiktok.core import ClientCore, Json, clean, iter_items
from tiktok_vtex.clients.tiktok.models import Page


class ReturnRefundApi(ClientCore):
    def search_cancellations(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/return_refund/{version}/cancellations/search",
            "cancellations",
            page_size=page_size,
            page_token=page_token,
            body=clean(filters),
        )

    def iter_cancellations(self, filters: Mapping[str, Any] | None = None, page_size: int = 50) -> Iterator[Json]:
        return iter_items(lambda token: self.search_cancellations(filters, page_size, token))

    def approve_cancellation(self, cancel_id: str, *, idempotency_key: str | None = None) -> Json:
        return self._data(
            "POST",
            "/return_refund/{version}/cancellations/{cancel_id}/approve",
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": idempotency_key},
            body={},
        )

    def reject_cancellation(
        self,
        cancel_id: str,
        reject_reason: str,
        *,
        comment: str | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        return self._data(
            "POST",
            "/return_refund/{version}/cancellations/{cancel_id}/reject",
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": idempotency_key},
            body=clean({"reject_reason": reject_reason, "comment": comment}),
        )

    def cancel_order(
        self,
        order_id: str,
        cancel_reason: str,
        *,
        order_line_item_ids: Sequence[str] | None = None,
        skus: Sequence[Mapping[str, Any]] | None = None,
    ) -> Json:
        body = clean(
            {
                "order_id": order_id,
                "cancel_reason": cancel_reason,
                "order_line_item_ids": list(order_line_item_ids) if order_line_item_ids else None,
                "skus": [dict(s) for s in skus] if skus else None,
            }
        )
        return self._data("POST", "/return_refund/{version}/cancellations", body=body)

    def search_returns(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/return_refund/{version}/returns/search",
            "return_orders",
            page_size=page_size,
            page_token=page_token,
            body=clean(filters),
        )

    def iter_returns(self, filters: Mapping[str, Any] | None = None, page_size: int = 50) -> Iterator[Json]:
        return iter_items(lambda token: self.search_returns(filters, page_size, token))

    def approve_return(
        self,
        return_id: str,
        decision: str = "APPROVE_REFUND",
        *,
        buyer_keep_item: bool | None = None,
        partial_refund: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        body = clean(
            {
                "decision": decision,
                "buyer_keep_item": buyer_keep_item,
                "partial_refund": dict(partial_refund) if partial_refund else None,
            }
        )
        return self._data(
            "POST",
            "/return_refund/{version}/returns/{return_id}/approve",
            path_params={"return_id": return_id},
            query={"idempotency_key": idempotency_key},
            body=body,
        )

    def reject_return(
        self,
        return_id: str,
        reject_reason: str,
        decision: str = "REJECT_REFUND",
        *,
        comment: str | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        body = clean({"decision": decision, "reject_reason": reject_reason, "comment": comment})
        return self._data(
            "POST",
            "/return_refund/{version}/returns/{return_id}/reject",
            path_params={"return_id": return_id},
            query={"idempotency_key": idempotency_key},
            body=body,
        )
