"""VTEX -> TikTok cancellation: a seller cancellation on TikTok, while TikTok allows it (before shipping).

Used by the hook (VTEX order `cancel` / `canceled`) and by the marketplace cancel callback (which answers
VTEX only with the outcome of this call). The outcome is stored on the order as `vtex_cancel`
`{outcome, source, at, cancel_id?, code?, reason?}`; once TikTok accepted (or the TikTok order is already
cancelled) a repeat answers from the record without calling TikTok again. Refused (shipped, or TikTok's
own refusal) -> recorded, `VtexCancelRefusedOnTikTok` metric (alarm) and an order-log line: the return
path applies. Transient TikTok failures raise (the queue retries; the callback answers 5xx so VTEX retries).
The TikTok reason code follows VTEX's reason and who asked (cancel_reasons; per-client
`connector_settings.vtex_cancel`), recorded as `vtex_cancel.tiktok_reason` {code, basis}.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.vtex_orders.cancel_reasons import CancelReasonPolicy, policy_of, tiktok_reason

METRIC_REFUSED = "VtexCancelRefusedOnTikTok"
METRIC_CANCELLED = "VtexCancelSentToTikTok"
# TikTok accepts a seller cancellation only before the order ships (sandbox and docs: CANCELLABLE).
TIKTOK_CANCELLABLE = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"})
TIKTOK_SHIPPED = frozenset({"PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"})
DONE = frozenset({"accepted", "already_cancelled"})
TIKTOK_CANCEL_DONE = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})
CANCEL_LEASE_SECONDS = 60  # > one TikTok call at its worst (retry budget + attempt)


class TikTokCancelPort(Protocol):
    def cancel_order(self, order_id: str, cancel_reason: str, *, order_line_item_ids: Sequence[str] | None = None,
                     skus: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]: ...


class OrderLog(Protocol):
    def append(self, client_hash: str, kind: str, subject: str, details: Mapping[str, Any]) -> str: ...


@dataclass(frozen=True)
class CancelOutcome:
    outcome: str  # accepted | already_cancelled | refused_shipped | refused | unknown_order | in_progress
    detail: str = ""
    cancel_id: str | None = None

    @property
    def done(self) -> bool:
        return self.outcome in DONE


@dataclass
class TikTokCanceller:
    orders: OrderRepository
    tiktok: Callable[[str], TikTokCancelPort]
    log: OrderLog | None = None
    clock: Callable[[], float] = time.time
    client_settings: Callable[[str], ClientSettings] | None = None

    def cancel(self, client_hash: str, order_id: str, *, source: str,  # noqa: PLR0911 (one per outcome)
               vtex_reason: str | None = None, requested_by_user: bool = False) -> CancelOutcome:
        record = self.orders.get(client_hash, order_id)
        if record is None:
            self._log(client_hash, order_id, "vtex_cancel_unknown_order", {"source": source})
            return CancelOutcome("unknown_order", "no TikTok order of ours has this id")
        previous = (record.model_extra or {}).get("vtex_cancel") or {}
        if previous.get("outcome") in DONE:
            return CancelOutcome(previous["outcome"], previous.get("detail", ""), previous.get("cancel_id"))
        status = (record.status or "").upper()
        tiktok_cancel = ((record.model_extra or {}).get("cancellation") or {}).get("cancel_status", "")
        # Cancelled from the TikTok side (push 1 / 11, or a buyer request we approved), whose VTEX cancel
        # VTEX now reports back: nothing to ask TikTok (it would refuse: a false alarm).
        if status in ("CANCELLED", "CANCEL") or record.sync_state == SyncState.CANCELLED \
                or str(tiktok_cancel).upper() in TIKTOK_CANCEL_DONE \
                or ((record.model_extra or {}).get("after_sales_buyer_cancellation") or {}).get("outcome") \
                == "approved":
            return self._store(client_hash, order_id, CancelOutcome("already_cancelled", "TikTok order already "
                                                                    "cancelled"), source, vtex_reason)
        if status in TIKTOK_SHIPPED:
            return self._refused(client_hash, order_id, CancelOutcome(
                "refused_shipped", f"TikTok order is {status}: a cancellation is no longer allowed; the return "
                "path applies"), source, vtex_reason)
        # One caller at a time talks to TikTok for this order (VTEX sends `cancel` then `canceled`, and the
        # callback may race the hook): a lease, so a crashed holder does not block the order for long.
        now = int(self.clock())
        try:
            self.orders.set_attributes(
                client_hash, order_id, vtex_cancel_lease=now + CANCEL_LEASE_SECONDS,
                condition="attribute_exists(order_id) AND (attribute_not_exists(vtex_cancel_lease) "
                          "OR vtex_cancel_lease < :now)", condition_values={":now": now})
        except ConditionFailed:
            stored = self.orders.get(client_hash, order_id)
            done = ((stored.model_extra or {}).get("vtex_cancel") or {}) if stored else {}
            if done.get("outcome") in DONE:
                return CancelOutcome(done["outcome"], done.get("detail", ""), done.get("cancel_id"))
            return CancelOutcome("in_progress", "another worker is cancelling this order on TikTok")
        code, basis = tiktok_reason(vtex_reason, self._policy(client_hash), requested_by_user=requested_by_user)
        reason = {"code": code, "basis": basis}
        if basis == "default":
            logger.info("VTEX cancel reason not mapped: TikTok default reason used",
                        extra={"client_hash": client_hash, "order_id": order_id, "tiktok_reason": code})
        try:
            answer = self.tiktok(client_hash).cancel_order(order_id, code)
        except TikTokApiError as error:
            if error.retryable:
                self.orders.update_existing(client_hash, order_id, vtex_cancel_lease=0)
                raise
            return self._refused(client_hash, order_id, CancelOutcome(
                "refused", f"TikTok refused the cancellation (code {error.code})"), source, vtex_reason,
                code=str(error.code), tiktok_reason_used=reason)
        cancel_id = str(answer.get("cancel_id") or "") or None
        metrics.add_metric(name=METRIC_CANCELLED, unit=MetricUnit.Count, value=1)
        return self._store(client_hash, order_id, CancelOutcome("accepted", str(answer.get("cancel_status") or ""),
                                                                cancel_id), source, vtex_reason,
                           tiktok_reason_used=reason)

    def _policy(self, client_hash: str) -> CancelReasonPolicy:
        if self.client_settings is None:
            return CancelReasonPolicy()
        try:
            return policy_of(self.client_settings(client_hash))
        except ValidationError as problem:  # a bad setting must not block the cancellation: documented default
            logger.error("invalid connector_settings.vtex_cancel: documented default reason used",
                         extra={"client_hash": client_hash, "errors": problem.error_count()})
            return CancelReasonPolicy()

    def _refused(self, client_hash: str, order_id: str, outcome: CancelOutcome, source: str,
                 vtex_reason: str | None, code: str | None = None,
                 tiktok_reason_used: Mapping[str, str] | None = None) -> CancelOutcome:
        metrics.add_metric(name=METRIC_REFUSED, unit=MetricUnit.Count, value=1)
        logger.error("VTEX cancellation could not be applied on TikTok",
                     extra={"client_hash": client_hash, "order_id": order_id, "outcome": outcome.outcome,
                            "detail": outcome.detail})
        return self._store(client_hash, order_id, outcome, source, vtex_reason, code=code,
                           tiktok_reason_used=tiktok_reason_used)

    def _store(self, client_hash: str, order_id: str, outcome: CancelOutcome, source: str,
               vtex_reason: str | None, code: str | None = None,
               tiktok_reason_used: Mapping[str, str] | None = None) -> CancelOutcome:
        now = int(self.clock())
        entry = {"outcome": outcome.outcome, "detail": outcome.detail[:500], "source": source, "at": now}
        if outcome.cancel_id:
            entry["cancel_id"] = outcome.cancel_id
        if code:
            entry["code"] = code
        if vtex_reason:
            entry["vtex_reason"] = vtex_reason[:300]
        if tiktok_reason_used:
            entry["tiktok_reason"] = dict(tiktok_reason_used)
        try:  # a DONE outcome is never replaced (a late refusal of a racing caller must not undo it)
            self.orders.set_attributes(
                client_hash, order_id, vtex_cancel=entry, vtex_cancel_lease=0,
                last_action={"action": "cancel_on_tiktok", "outcome": outcome.outcome, "at": now},
                condition="attribute_exists(order_id) AND (attribute_not_exists(vtex_cancel) "
                          "OR NOT vtex_cancel.outcome IN (:accepted, :already))",
                condition_values={":accepted": "accepted", ":already": "already_cancelled"})
        except ConditionFailed:
            stored = self.orders.get(client_hash, order_id)
            done = ((stored.model_extra or {}).get("vtex_cancel") or {}) if stored else {}
            if done.get("outcome") in DONE:
                return CancelOutcome(done["outcome"], done.get("detail", ""), done.get("cancel_id"))
            return outcome  # the order vanished: nothing to record
        self._log(client_hash, order_id, f"vtex_cancel_{outcome.outcome}", entry)
        return outcome

    def _log(self, client_hash: str, order_id: str, kind: str, details: Mapping[str, Any]) -> None:
        if self.log is None:
            return
        try:
            self.log.append(client_hash, kind, order_id, details)
        except Exception:  # an audit line must not fail the cancellation
            logger.exception("order log write failed", extra={"order_id": order_id})
