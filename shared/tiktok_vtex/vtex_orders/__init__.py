"""The VTEX side of orders: hook intake and configuration, marketplace callbacks, VTEX -> TikTok cancellations."""
