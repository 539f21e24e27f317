"""Fixtures of the Slack scenario tests: a fake Slack Web API (tests/fake_slack.py) and one
`premortem serve --http` per module, talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_slack import (
    FakeSlack,
    PremortemServer,
    SlackSender,
    call_problems,
    fake_slack,
    module_fake_slack,
)

__all__ = ["fake_slack", "module_fake_slack"]


@pytest.fixture(scope="module")
def server(
    module_fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PremortemServer]:
    with PremortemServer(module_fake_slack, tmp_path_factory.mktemp("premortem")) as running:
        yield running


@pytest.fixture
def slack(server: PremortemServer, module_fake_slack: FakeSlack) -> Iterator[SlackSender]:
    """Signed traffic into the module's server; every blocks array posted meanwhile must keep
    Slack's Block Kit limits."""
    mark = module_fake_slack.mark()
    yield SlackSender(server.url, module_fake_slack)
    problems = [p for c in module_fake_slack.calls_of(after=mark) for p in call_problems(c)]
    assert not problems, problems


@pytest.fixture
def fake(module_fake_slack: FakeSlack) -> FakeSlack:
    return module_fake_slack
