"""`make demo`: the end-to-end scenario on the local stack, printed as a readable report."""
