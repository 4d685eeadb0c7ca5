"""Sending messages: a capture sender for the embedded default, the GOV.UK Notify adapter, and
the outbox dispatcher (the only caller of Notify)."""
