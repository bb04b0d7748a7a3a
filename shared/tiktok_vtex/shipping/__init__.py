"""Fulfillment after TikTok accepts the NF-e: ship the package, keep its documents (labels) in S3, send the
tracking to the VTEX invoice. Logic takes its adapters as arguments."""
