"""NF-e (Brazilian electronic invoice) validation before the TikTok upload, the upload itself, and what
push 36 (invoice status) outcomes mean for the order. Logic takes its adapters as arguments."""
