"""The API groups of TikTokShopClient, one module per TikTok API group (as TikTok groups its docs)."""
