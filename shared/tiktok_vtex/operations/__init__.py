"""Operator logic (DLQs, onboarding, audit history, status report); the CLI in tiktok_vtex.commands wires it."""
