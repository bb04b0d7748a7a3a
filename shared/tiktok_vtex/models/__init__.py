"""Domain models shared by several capabilities (pydantic v2)."""
