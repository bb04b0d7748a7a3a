"""Error codes the sandbox answers with.

Codes marked (reference) come from ../shared/reference/tiktok-shop-api.md section 7. Codes marked
(sandbox) are our choice where the reference names the rule but not its code; they are listed in the
README so nobody mistakes them for TikTok's.
"""

from __future__ import annotations

from typing import Any

# request layer (reference)
RATE_LIMITED = 36009002
INTERNAL_ERROR = 36009003
REQUEST_INVALID = 36009004
REQUEST_TIMEOUT = 36009007
INVALID_PATH = 36009009
INVALID_METHOD = 36009010
FILE_TOO_LARGE = 36009021
CONTENT_TYPE_JSON = 36009022
CONTENT_TYPE_MULTIPART = 36009023
TOKEN_EXPIRED = 105002
INVALID_SIGN = 106001
MISSING_SHOP_CIPHER = 106013
INVALID_CIPHER_OR_TOKEN = 101000
RT_EXPIRED = 36004001
AUTH_RECORD_NOT_FOUND = 36004005

# product (reference)
PRODUCT_NOT_EXIST = 12052032
PRODUCT_NOT_IN_SHOP = 12052048
TOO_MANY_PRODUCT_IDS = 12019120
PRICE_LOCKED = 12052038
CHECK_FAILED = 12052990
BRAND_DUPLICATE = 12052205
# product (sandbox)
BRAND_DAILY_LIMIT = 12052206
CATEGORY_INVALID = 12052217
BRAND_NOT_FOUND = 12052219
IMAGE_NOT_UPLOADED = 12052220
SELLER_SKU_DUPLICATE = 12052221
PRODUCT_STATUS_NOT_ALLOWED = 12052222
SKU_NOT_IN_PRODUCT = 12052223
WAREHOUSE_INVALID = 12052224
QUANTITY_OUT_OF_RANGE = 12052225
IMAGE_INVALID = 12052230
CATEGORY_NOT_AVAILABLE = 12052218
BRAND_NOT_AUTHORIZED = 12052226
ATTRIBUTE_REQUIRED = 12052227
ATTRIBUTE_VALUE_INVALID = 12052228
ATTRIBUTE_NOT_MULTIPLE = 12052229
PACKAGE_DIMENSIONS_REQUIRED = 12052232

# fulfillment (reference)
PACKAGE_ALREADY_SHIPPED = 21011040
DUPLICATE_TRACKING_NUMBER = 21011025
INVOICE_REQUIRED = 21004006
NOT_TIKTOK_SHIPPING = 21008017
INVOICE_EXISTS = 10007014
# fulfillment (sandbox)
PACKAGE_NOT_FOUND = 21011001
PACKAGE_NOT_SHIPPED = 21011002
PACKAGE_DELIVERED = 21011004
NOT_SELLER_SHIPPING = 21011005
DELIVERY_OPTION_NOT_FOUND = 21012001
ORDER_NOT_FOUND = 21001002
INVOICE_MISMATCH = 10007001

# return / refund (reference)
RR_INVALID_PARAM = 25001001
RR_INVALID_STATUS = 25001003


class ApiFail(Exception):
    """Raised inside a handler: becomes an envelope with this code, message and HTTP status."""

    def __init__(self, code: int, message: str, http_status: int = 200, data: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.data = data


def invalid(message: str) -> ApiFail:
    """A missing or malformed parameter (TikTok answers these with 36009004 "param ... is invalid")."""
    return ApiFail(REQUEST_INVALID, f"Invalid params: {message}", 400)
