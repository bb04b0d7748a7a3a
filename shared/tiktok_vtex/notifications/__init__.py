"""VTEX affiliate change notifications (issue 16): the URL secret, the intake, the coalesced sync trigger and
the affiliate setup."""
