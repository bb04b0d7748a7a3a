"""Operator command groups of `tiktok-vtex` (registered by tiktok_vtex.cli.COMMAND_MODULES): dispatch,
client, dlq, history, status. Each module exports COMMANDS, a list of (name, help, configure, run)."""
