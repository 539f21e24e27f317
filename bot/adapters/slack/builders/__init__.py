"""Pure Block Kit builders: plain data in, dicts out, no Slack calls."""
