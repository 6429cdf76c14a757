"""Subcommands of the rightsdesk CLI, one module per group."""
