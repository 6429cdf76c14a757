"""The rightsdesk CLI and the wiring of settings, stores and adapters."""
