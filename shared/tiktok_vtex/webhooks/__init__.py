"""Webhook intake (hot path), push models and routing (behind the queue)."""
