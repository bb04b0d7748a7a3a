"""Catalog updates (issue 17, legacy PRODUTOS-compara-xml / VTEX-PRODUTO-ADDITIONAL-IMAGES-XML): the feed
diff (`canonical`, `diff`) that decides, per item, whether TikTok needs a partial product edit, a price or
stock update only, a new listing or a deactivation."""
