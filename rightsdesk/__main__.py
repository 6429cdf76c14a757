"""`python -m rightsdesk`: the same as the `rightsdesk` command."""

from rightsdesk.cli import entry

entry()
