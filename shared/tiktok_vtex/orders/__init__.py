"""TikTok -> VTEX orders: state machine, mapping, placement, push effects, reconciliation sweep."""
