"""Seller authorization and token lifecycle (GERENCIADOR-AUTH-CODES, OAuth callback, pushes 6 and 7).

Modules: `state` (signed OAuth state), `callback` (callback logic), `codes` (auth code -> tokens -> shop
link), `renewal` (8-day window renewal, refresh-expiry alerts), `tokens` (TokenCipher, the single-flight
DynamoTokenProvider), `shop_access` (open_shop_client / ensure_client_active), `lifecycle` (pushes 6, 7).
"""
