"""Fixtures of the Slack scenario tests: the fake Slack Web API (see tests/fake_slack.py)."""

from tests.fake_slack import fake_slack, module_fake_slack

__all__ = ["fake_slack", "module_fake_slack"]
