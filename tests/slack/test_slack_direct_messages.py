"""Direct-message consultations, App Home, and Slack's rules: duplicate deliveries, forged or
stale signatures, escaping, 429s, malformed and odd input. All through the running server."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.fake_slack import Call, FakeSlack, SlackSender

_users = itertools.count(1)
MAX_TURNS = 45  # a consultation asks at most 20 questions; skips and reprompts add a few


def new_user() -> str:
    return f"U0DM{next(_users):04d}"


def dm_of(user: str) -> str:
    return "D" + user.lstrip("U")


def say(
    slack: SlackSender, fake: FakeSlack, user: str, text: str, timeout: float = 10.0
) -> list[Call]:
    """Send a DM; return the bot's replies."""
    mark = fake.mark()
    assert slack.dm(text, user=user).status == 200
    return dm_posts(fake, user, mark, timeout)


def dm_posts(fake: FakeSlack, user: str, mark: int, timeout: float = 10.0) -> list[Call]:
    """The bot's posts in `user`'s DM since `mark` (waits for the first, then a moment more)."""

    def in_dm(call: Call) -> bool:
        return call.args.get("channel") == dm_of(user)

    fake.wait_for("chat.postMessage", after=mark, timeout=timeout, where=in_dm)
    time.sleep(0.05)
    return [c for c in fake.calls_of("chat.postMessage", after=mark) if in_dm(c)]


def answer_buttons(call: Call) -> list[dict[str, Any]]:
    return [
        e
        for b in call.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("premortem.answer")
    ]


def test_new_in_a_dm_replies_with_the_first_question_within_5s(
    slack: SlackSender, fake: FakeSlack
) -> None:
    user = new_user()
    started = time.monotonic()
    (reply,) = say(slack, fake, user, "new Churn model", timeout=5)
    assert time.monotonic() - started < 5
    assert "Question 1" in reply.text()
    assert answer_buttons(reply)


def test_whole_consultation_by_text(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    replies = say(slack, fake, user, "new Text-only project")
    for _ in range(MAX_TURNS):
        if any("Pre-mortem:" in c.text() for c in replies):
            break
        # everyday words where they fit, the option's number where they do not
        answer = "1" if "couldn't match" in replies[-1].text() else "no"
        started = time.monotonic()
        replies = say(slack, fake, user, answer, timeout=10)
        assert time.monotonic() - started < 10
        assert replies[-1].text()
    else:
        raise AssertionError("the consultation never finished")
    summary = next(c for c in replies if "Pre-mortem:" in c.text())
    for level in ("high", "medium", "low"):
        if f": {level}" in summary.text():
            break
    else:
        raise AssertionError("no level written as a word")


def test_whole_consultation_by_buttons(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    replies = say(slack, fake, user, "new Button project")
    for _ in range(MAX_TURNS):
        if any("Pre-mortem:" in c.text() for c in replies):
            break
        question = next(c for c in reversed(replies) if answer_buttons(c))
        button = answer_buttons(question)[0]
        mark = fake.mark()
        slack.block_action(button["action_id"], button["value"], user=user, channel=dm_of(user))
        replies = dm_posts(fake, user, mark)
        assert fake.calls_of("chat.update", after=mark), "the answered question is marked"
    else:
        raise AssertionError("the consultation never finished")


def test_a_button_from_another_workspace_changes_nothing(
    slack: SlackSender, fake: FakeSlack
) -> None:
    user = new_user()
    (question,) = say(slack, fake, user, "new Guarded project")
    button = answer_buttons(question)[0]
    mark = fake.mark()
    slack.block_action(
        button["action_id"], button["value"], user=user, channel=dm_of(user), team="T0OTHER"
    )
    (refusal,) = fake.wait_for("response_url", after=mark)
    assert "another workspace" in json.dumps(refusal.args)
    assert not fake.calls_of("chat.update", after=mark)
    assert not fake.calls_of("chat.postMessage", after=mark)
    # The owner's click still answers question 1: the foreign one recorded nothing.
    slack.block_action(button["action_id"], button["value"], user=user, channel=dm_of(user))
    replies = dm_posts(fake, user, mark)
    assert fake.calls_of("chat.update", after=mark), "question 1 is marked answered"
    assert "Question 2" in replies[-1].text()


def test_free_text_summary_and_help_mid_consultation(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    say(slack, fake, user, "new Mid project")
    replies = say(slack, fake, user, "summary")
    assert any("Pre-mortem: Mid project" in c.text() for c in replies)
    assert "Question 1" in replies[-1].text()
    assert "skip" in say(slack, fake, user, "help")[-1].text()


def test_pasted_proposal_starts_a_consultation(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    proposal = (
        "# Churn prediction for the retention team\n"
        "We want to predict which customers will cancel next month so the retention team can "
        "call them. We have two years of usage logs. Labels come from cancellations. "
        "We have no monitoring plan yet and nobody owns the model once it ships. <!channel>\n"
    )
    replies = say(slack, fake, user, proposal)
    assert "Question 1" in replies[-1].text()
    assert "<!channel>" not in json.dumps([c.args for c in replies])


def test_dm_help_when_nothing_is_under_way(slack: SlackSender, fake: FakeSlack) -> None:
    (reply,) = say(slack, fake, new_user(), "hello?")
    assert "to start a pre-mortem" in reply.text()


def test_app_home_lists_projects_with_levels_and_resume(
    slack: SlackSender, fake: FakeSlack
) -> None:
    user = new_user()
    say(slack, fake, user, "new Home project")
    mark = fake.mark()
    assert slack.app_home_opened(user=user).status == 200
    (publish,) = fake.wait_for("views.publish", after=mark)
    assert publish.args["user_id"] == user
    text = publish.text()
    assert "Home project" in text and "overall" in text
    buttons = [
        e
        for b in publish.view["blocks"]
        for e in ([b["accessory"]] if "accessory" in b else b.get("elements", []))
        if e.get("type") == "button"
    ]
    resume = next(b for b in buttons if b["action_id"] == "premortem.resume")
    mark = fake.mark()
    slack.block_action(resume["action_id"], resume["value"], user=user, view=publish.view)
    (question,) = fake.wait_for("chat.postMessage", after=mark)
    assert "Question 1" in question.text()


def test_a_redelivered_event_is_handled_once(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    mark = fake.mark()
    assert slack.dm("new Once project", user=user, event_id="Ev0DUPLICATE1").status == 200
    assert (
        slack.dm("new Once project", user=user, event_id="Ev0DUPLICATE1", retry_num=1).status == 200
    )
    assert (
        slack.dm("new Once project", user=user, event_id="Ev0DUPLICATE1", retry_num=2).status == 200
    )
    fake.wait_for("chat.postMessage", after=mark)
    time.sleep(0.5)
    assert len(fake.calls_of("chat.postMessage", after=mark)) == 1


def test_forged_and_stale_requests_get_401(slack: SlackSender, fake: FakeSlack) -> None:
    mark = fake.mark()
    body = slack.command_body("new Forged")
    assert slack.post(body, headers={"X-Slack-Signature": "v0=" + "0" * 64}).status == 401
    assert slack.post(body, signed=False).status == 401
    assert slack.post(body, timestamp=int(time.time()) - 600).status == 401
    forged = SlackSender(slack.url, fake, secret="not-the-secret")
    assert forged.command("new Forged").status == 401
    time.sleep(0.3)
    assert fake.calls_of(after=mark) == []


def test_user_text_is_escaped_everywhere(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    mark = fake.mark()
    slack.command("new <!channel> & <@U0BOSS> model", user=user, team="T0INJECT")
    fake.wait_for("response_url", after=mark)
    slack.command("list", team="T0INJECT")
    slack.command("status channel", team="T0INJECT")
    fake.wait_for("response_url", after=mark, count=3)
    say(slack, fake, user, "<!here> no")
    posted = json.dumps([c.args for c in fake.calls_of(after=mark)])
    for raw in ("<!channel>", "<!here>", "<@U0BOSS>"):
        assert raw not in posted
    assert "&lt;!channel&gt;" in posted


def test_a_429_is_retried_after_retry_after(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    fake.rate_limit_next("chat.postMessage", retry_after=1)
    mark = fake.mark()
    slack.dm("new Rate limited project", user=user)
    calls = fake.wait_for("chat.postMessage", after=mark, count=2, timeout=10)
    assert calls[1].at - calls[0].at >= 0.9
    assert "Question 1" in calls[1].text()


def test_odd_input_never_gets_a_5xx(slack: SlackSender, fake: FakeSlack) -> None:
    user = new_user()
    odd = [
        "",
        "x" * 20_000,
        "new 🚀 модель ‏نموذج‏ zero\u200bwidth\u200d",
        "\u202enew reversed",
    ]
    for text in odd:
        mark = fake.mark()
        reply = slack.command(text, user=user, team="T0ODD")
        assert reply.status < 500
        if not reply.text().strip():
            fake.wait_for("response_url", "chat.postMessage", after=mark)
        assert slack.dm(text, user=user, team="T0ODD").status < 500
    # malformed interaction payloads and bodies
    for body in (
        "payload=%7Bnot+json",
        "payload=",
        urlencode({"payload": "[1,2]"}),
        "{broken",
        "a=b",
    ):
        assert slack.post(body).status < 500
    assert slack.post("{broken", content_type="application/json").status < 500
    assert (
        slack.post(
            '{"type": "event_callback", "event": "nope"}', content_type="application/json"
        ).status
        < 500
    )
    # an expired or tampered button value is explained, not a crash
    mark = fake.mark()
    assert slack.block_action("premortem.answer:0", "{not json", user=user).status == 200
    # earlier commands' deferred replies may still arrive: wait for this one by what it says
    assert fake.wait_for("response_url", after=mark, where=lambda c: "expired" in c.text())
