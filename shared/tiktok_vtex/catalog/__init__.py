"""Catalog listing (issue 14): feed reading, grouping and mapping to TikTok products, categories,
pre-flight checks, brands, images and creation."""
