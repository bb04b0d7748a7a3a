"""VTEX error envelopes -> typed errors carrying code and status."""

from __future__ import annotations

import pickle

import pytest

from tiktok_vtex.clients.vtex.errors import (
    VtexApiError,
    VtexAuthError,
    VtexBadRequest,
    VtexConflict,
    VtexDuplicateOrder,
    VtexLocked,
    VtexNotFound,
    VtexPriceDivergence,
    VtexRateLimited,
    VtexServerError,
    VtexTransportError,
    VtexUnavailableItem,
    error_class,
    error_from_response,
    parse_error_body,
)


def envelope(code: str, message: str = "m") -> str:
    return '{"error":{"code":"%s","message":"%s","exception":null}}' % (code, message)  # noqa: UP031


@pytest.mark.parametrize(("status", "body", "cls", "code"), [
    (400, envelope("FMT009", "duplicate"), VtexDuplicateOrder, "FMT009"),
    (400, envelope("ORD027"), VtexUnavailableItem, "ORD027"),
    (400, envelope("ORD028"), VtexUnavailableItem, "ORD028"),
    (400, envelope("FMT005"), VtexUnavailableItem, "FMT005"),
    (400, envelope("FMT007"), VtexPriceDivergence, "FMT007"),
    (409, envelope("OMS003"), VtexConflict, "OMS003"),
    (401, envelope("1", "Unauthorized access"), VtexAuthError, "1"),
    (403, "", VtexAuthError, None),
    (404, "Seller StockKeepingUnit `1` not found for this seller id `1`", VtexNotFound, None),
    (423, "Unable to acquire lock for key: acc_item_logistics_1_1_1.", VtexLocked, None),
    (429, "", VtexRateLimited, None),
    (500, '{"error":{"code":"500","message":"boom"},"operationId":"x"}', VtexServerError, "500"),
    (503, "<html>busy</html>", VtexServerError, None),
    (400, '{"Message":"bad json"}', VtexBadRequest, None),
    (400, '{"success":false,"code":"EOI007","errors":[{"source":"x","code":"EOI007","description":"dup"}]}',
     VtexDuplicateOrder, "EOI007"),
    (418, "", VtexApiError, None),
])
def test_mapping(status: int, body: str, cls: type, code: str | None) -> None:
    error = error_from_response(status, body, method="POST", path="/api/x")
    assert type(error) is cls
    assert error.status == status
    assert error.code == code
    assert isinstance(error, VtexApiError)


def test_retryable_flags() -> None:
    assert VtexLocked.retryable and VtexRateLimited.retryable and VtexServerError.retryable
    assert VtexTransportError.retryable
    assert not VtexDuplicateOrder.retryable and not VtexBadRequest.retryable and not VtexConflict.retryable
    assert error_class(None, None) is VtexTransportError


def test_messages_are_parsed_and_trimmed() -> None:
    assert parse_error_body(envelope("OMS003", "Order status should be ready-for-handling")) == (
        "OMS003", "Order status should be ready-for-handling")
    assert parse_error_body('{"title":"Unauthorized","status":401}') == (None, "Unauthorized")
    code, message = parse_error_body("x" * 5000)
    assert code is None and len(message) == 500
    assert parse_error_body(None) == (None, "")
    assert parse_error_body(b'"plain"') == (None, "plain")


def test_str_pickle_and_attributes() -> None:
    error = error_from_response(400, envelope("FMT009", "dup"), method="POST", path="/api/fulfillment/pvt/orders")
    assert str(error) == "VTEX POST /api/fulfillment/pvt/orders -> 400 FMT009: dup"
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes (Lambda/SQS may pickle errors)
    assert type(clone) is VtexDuplicateOrder and clone.code == "FMT009" and clone.status == 400
    unavailable = VtexUnavailableItem(200, "ORD027", "x", items=["1"])
    assert unavailable.items == ["1"]
