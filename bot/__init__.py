"""The Slack Bolt app, its listeners and Slack reminders."""
