"""Every custom metric the connector emits (namespace TikTokVtexConnector, Powertools EMF), by flow.

Names are `<Flow><What>` counts. Every metric has the `service` dimension (what the alarms match); the
breakdowns (`Webhooks`, `ApiErrors`, `RateLimitWaits`) are written by `observability.count_by` with their
own bounded dimensions (the client-side waits by `observability.rate_limit_waited`). The client is never a
dimension (one billed metric per store per name): it is in the log line next to the metric, for Logs Insights.
template.yaml's dashboard and alarms name only metrics listed here
(tests/unit/operations/test_template_operations.py), and each name here is emitted somewhere in shared/ or
functions/.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "TikTokVtexConnector"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    flow: str
    meaning: str
    dimensions: tuple[str, ...] = ("service",)


CATALOG: tuple[MetricSpec, ...] = (
    # webhooks
    MetricSpec("WebhookAccepted", "webhooks", "push verified, deduplicated and queued"),
    MetricSpec("WebhookDuplicate", "webhooks", "push already accepted (acknowledged again)"),
    MetricSpec("WebhookRefused", "webhooks", "push refused (401 signature, 400 malformed)"),
    MetricSpec("WebhookIntakeFailed", "webhooks", "answered 500 (TikTok retries); alarm"),
    MetricSpec("Webhooks", "webhooks", "pushes by TikTok type and outcome", ("service", "type", "outcome")),
    # orders
    MetricSpec("OrderCreatedInVtex", "orders", "TikTok order placed in VTEX"),
    MetricSpec("OrderCreationFailed", "orders", "order in ERROR with its reason; alarm"),
    MetricSpec("OrderCancelBlocked", "orders", "cancelled on TikTok after VTEX invoiced; alarm"),
    MetricSpec("OrderAddressChangeNotApplied", "orders", "address changed after placement; alarm"),
    MetricSpec("SweepOrdersRecovered", "orders", "orders the reconciliation sweep fed again"),
    MetricSpec("SweepClientsLeft", "orders", "clients a sweep run did not reach"),
    # stock and prices
    MetricSpec("StockSkusSent", "stock", "SKU quantities TikTok accepted"),
    MetricSpec("StockSkusUnchanged", "stock", "SKU readings equal to what TikTok holds (not sent)"),
    MetricSpec("StockSkuFailures", "stock", "SKUs that failed (TikTokLogStock stock_update_failed); alarm"),
    MetricSpec("StockClientUnavailable", "stock", "client not served (deauthorized, misconfigured)"),
    MetricSpec("PriceSkusSent", "prices", "SKU prices TikTok accepted"),
    MetricSpec("PriceSkusUnchanged", "prices", "SKU prices unchanged (not sent)"),
    MetricSpec("PriceSkuFailures", "prices", "SKUs that failed (TikTokLogPrice price_update_failed); alarm"),
    MetricSpec("PriceClientUnavailable", "prices", "client not served"),
    # invoices and shipping
    MetricSpec("InvoiceUploaded", "invoices", "NF-e uploaded to TikTok"),
    MetricSpec("InvoiceRefusedBeforeUpload", "invoices", "NF-e refused by our validation; alarm"),
    MetricSpec("InvoiceRejected", "invoices", "TikTok rejected the NF-e (push 36); alarm"),
    MetricSpec("InvoiceReuploadScheduled", "invoices", "re-upload after a SEFAZ delay"),
    MetricSpec("InvoiceStatusMissing", "invoices", "uploaded over 30 min ago without push 36; alarm"),
    MetricSpec("ShippingFailed", "shipping", "package not shipped; alarm"),
    # authorization and tokens
    MetricSpec("ShopLinked", "auth", "a seller authorization linked a shop"),
    MetricSpec("AuthCodeFailed", "auth", "an auth code could not be linked; alarm"),
    MetricSpec("TokenRefreshed", "auth", "access token renewed"),
    MetricSpec("TokenRefreshFailed", "auth", "TikTok refused a refresh token; alarm"),
    MetricSpec("TokenRenewalFailed", "auth", "the hourly renewal failed for a client; alarm"),
    MetricSpec("RefreshTokenExpiring", "auth", "a refresh token expires within 30 days; alarm"),
    MetricSpec("SellerDeauthorized", "auth", "push 6; alarm"),
    MetricSpec("AuthorizationExpiring", "auth", "push 7; alarm"),
    # remote APIs
    MetricSpec("ApiErrors", "apis", "failed TikTok / VTEX calls by code (TikTok code, VTEX HTTP status)",
               ("service", "api", "code")),
    MetricSpec("RateLimitWaits", "apis", "429 answers (the caller waits and retries)", ("service", "api")),
    MetricSpec("RateLimitClientWaits", "apis", "client-side waits before a call (TikTok token bucket, VTEX "
               "Retry-After pause shared by an account's workers)", ("service", "api")),
    MetricSpec("RateLimitClientWaitSeconds", "apis", "seconds those waits slept (unit Seconds)", ("service", "api")),
    # VTEX side of orders (issue 15)
    MetricSpec("VtexCancelRefusedOnTikTok", "vtex_orders", "a VTEX cancellation TikTok refused (shipped); alarm"),
    MetricSpec("BuyerCancellationNeedsSeller", "vtex_orders", "a buyer cancellation left to the seller; alarm"),
    MetricSpec("ReturnInvoiceNotPosted", "vtex_orders", "a completed refund's Input invoice failed; alarm"),
    MetricSpec("ReturnReplacementNeedsSeller", "vtex_orders", "a replacement return left to the seller; alarm"),
    MetricSpec("VtexHookRefused", "vtex_orders", "a VTEX orders hook delivery refused (401 secret, 400 body)"),
    MetricSpec("VtexCallbackRefused", "vtex_orders", "a VTEX marketplace callback refused (401 token)"),
    MetricSpec("SellerTrackingRefused", "vtex_orders", "seller tracking not sent to TikTok (carrier, package); alarm"),
    MetricSpec("SellerTrackingSentToTikTok", "vtex_orders", "seller tracking sent to TikTok (ship or update)"),
    # near-real-time stock and price (issue 16)
    MetricSpec("VtexNotificationRefused", "notifications", "a VTEX notification refused (token, body); alarm"),
    MetricSpec("StockReconcileOutOfDate", "stock", "SKUs the nightly stock run found out of date; alarm"),
    MetricSpec("PriceReconcileOutOfDate", "prices", "SKUs the nightly price run found out of date; alarm"),
    # catalog (issues 14, 17)
    MetricSpec("CatalogFeedUnreadable", "catalog", "a feed that could not be read (422, not retried)"),
    MetricSpec("CatalogGroupsQueued", "catalog", "product groups queued for listing"),
    MetricSpec("CatalogItemsChanged", "catalog", "feed items a comparison found changed"),
    MetricSpec("CatalogProductEditsQueued", "catalog", "partial edits queued by a feed comparison"),
    MetricSpec("CatalogDeactivationsQueued", "catalog", "products queued for deactivation (gone from the feed)"),
    MetricSpec("CatalogImageProductsQueued", "catalog", "products queued for their VTEX images"),
    # late syncs (issue 18): the hourly OPS-sync-check, per sync (stock, price, catalog)
    MetricSpec("SyncsLate", "operations", "active clients whose stock / price sync or catalog run is late; alarm",
               ("service", "sync")),
    MetricSpec("SyncOldestSeconds", "operations", "the largest lag among active clients (unit Seconds)",
               ("service", "sync")),
)

BY_NAME = {spec.name: spec for spec in CATALOG}
