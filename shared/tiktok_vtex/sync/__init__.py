"""Diff-only sync of per-SKU values VTEX -> TikTok, what the stock sync (inventory/) and the price sync
(pricing/) share: ports, messages, outcomes, concurrent reads, per-product batching, the send/repair
engine, the nightly fan-out, and the functions' wiring and event handling."""
