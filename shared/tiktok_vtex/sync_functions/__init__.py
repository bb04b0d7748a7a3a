"""What the stock and price Lambda functions share: their adapters (wiring) and their event handling
(parsing, outcomes, metrics, the nightly fan-out). The handlers in functions/stock and functions/prices
only name what differs."""
