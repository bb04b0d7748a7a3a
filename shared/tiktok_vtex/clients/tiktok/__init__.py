"""TikTok Shop Partner API client: signing, envelope, retries, rate limiting, webhook verification."""

from .auth import TikTokAuthClient
from .client import TikTokShopClient, iter_items, iter_pages
from .errors import (
    TikTokApiError,
    TikTokAuthError,
    TikTokConflict,
    TikTokError,
    TikTokInternalError,
    TikTokNotFound,
    TikTokPermissionDenied,
    TikTokPriceLocked,
    TikTokRateLimited,
    TikTokSignatureError,
    TikTokTimeout,
    TikTokTokenExpired,
    TikTokTokenGrantError,
    TikTokTransportError,
    TikTokValidationError,
)
from .models import AuthorizedShop, BatchResult, ImageUpload, ItemError, Page, TokenGrant
from .rate_limit import NoRateLimit, RateLimiter, TokenBucketLimiter
from .signing import sign_request
from .tokens import AccessTokenProvider, StaticAccessToken
from .webhook import sign_webhook, verify_webhook

__all__ = [
    "AccessTokenProvider",
    "AuthorizedShop",
    "BatchResult",
    "ImageUpload",
    "ItemError",
    "NoRateLimit",
    "Page",
    "RateLimiter",
    "StaticAccessToken",
    "TikTokApiError",
    "TikTokAuthClient",
    "TikTokAuthError",
    "TikTokConflict",
    "TikTokError",
    "TikTokInternalError",
    "TikTokNotFound",
    "TikTokPermissionDenied",
    "TikTokPriceLocked",
    "TikTokRateLimited",
    "TikTokShopClient",
    "TikTokSignatureError",
    "TikTokTimeout",
    "TikTokTokenExpired",
    "TikTokTokenGrantError",
    "TikTokTransportError",
    "TikTokValidationError",
    "TokenBucketLimiter",
    "TokenGrant",
    "iter_items",
    "iter_pages",
    "sign_request",
    "sign_webhook",
    "verify_webhook",
]
