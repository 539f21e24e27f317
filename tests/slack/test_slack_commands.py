"""/premortem in a channel, end to end: signed requests into `premortem serve --http`, the real
WebClient answering through a fake Slack Web API."""

from __future__ import annotations

import itertools
import json

from tests.fake_slack import FakeSlack, SlackSender

_teams = itertools.count(1)


def new_team() -> str:
    """Each test works in its own workspace, so no test sees another's projects."""
    return f"T0CMD{next(_teams):04d}"


def reply_text(fake: FakeSlack, mark: int, timeout: float = 10.0) -> str:
    (call,) = fake.wait_for("response_url", after=mark, timeout=timeout)[:1]
    return call.text()


def open_project(
    slack: SlackSender, fake: FakeSlack, name: str, team: str, channel: str = "C0CHURN"
) -> None:
    """`/premortem new <name>`, once its reply has arrived."""
    mark = fake.mark()
    slack.command(f"new {name}", team=team, channel=channel)
    fake.wait_for("response_url", after=mark)


def test_help_names_every_subcommand(slack: SlackSender) -> None:
    reply = slack.command("help", team=new_team())
    assert reply.status == 200
    for sub in ("new", "summary", "list", "status", "review", "checkin", "help"):
        assert f"/premortem {sub}" in reply.text()


def test_unknown_subcommand_shows_help(slack: SlackSender) -> None:
    reply = slack.command("frobnicate now", team=new_team())
    assert reply.status == 200
    assert "frobnicate" in reply.text() and "/premortem new" in reply.text()


def test_empty_command_shows_help(slack: SlackSender) -> None:
    assert "/premortem list" in slack.command("", team=new_team()).text()


def test_new_opens_project_and_asks_first_question_by_dm(
    slack: SlackSender, fake: FakeSlack
) -> None:
    team, mark = new_team(), fake.mark()
    reply = slack.command("new Churn model", team=team, user="U0NEW1", channel="C0NEW1")
    assert reply.status == 200
    (dm,) = fake.wait_for("chat.postMessage", after=mark, timeout=5)
    assert dm.args["channel"] == "D0NEW1"
    assert "Question 1" in dm.text()
    assert any(b["type"] == "actions" for b in dm.blocks)
    assert "Churn model" in reply_text(fake, mark)


def test_new_named_with_the_word_payload_still_works(slack: SlackSender, fake: FakeSlack) -> None:
    team, mark = new_team(), fake.mark()
    assert slack.command("new payload checker", team=team).status == 200
    assert "payload checker" in reply_text(fake, mark)


def test_new_without_a_name_says_how(slack: SlackSender) -> None:
    assert "Usage" in slack.command("new", team=new_team()).text()


def test_list_names_the_projects(slack: SlackSender, fake: FakeSlack) -> None:
    team = new_team()
    for name in ("Churn model v2", "Fraud scoring"):
        open_project(slack, fake, name, team)
    mark = fake.mark()
    assert slack.command("list", team=team).status == 200
    text = reply_text(fake, mark)
    assert "Churn model v2" in text and "Fraud scoring" in text and "overall medium" in text


def test_status_finds_a_project_forgivingly(slack: SlackSender, fake: FakeSlack) -> None:
    team = new_team()
    open_project(slack, fake, "Churn model v2", team, channel="C0OTHER")
    mark = fake.mark()
    slack.command("status churn", team=team, channel="C0ELSE")
    text = reply_text(fake, mark)
    assert "Churn model v2" in text
    for area in ("Objectives", "Data", "Monitoring", "Ethics"):
        assert area in text


def test_ambiguous_name_asks_which_project(slack: SlackSender, fake: FakeSlack) -> None:
    team = new_team()
    for name in ("Churn model EU", "Churn model US"):
        open_project(slack, fake, name, team)
    mark = fake.mark()
    slack.command("status churn", team=team)
    (call,) = fake.wait_for("response_url", after=mark)
    assert "Which one" in call.text()
    buttons = [e for b in call.blocks if b["type"] == "actions" for e in b["elements"]]
    assert {b["text"]["text"] for b in buttons} == {"Churn model EU", "Churn model US"}
    # picking one answers with its status
    mark = fake.mark()
    pick = buttons[1]
    slack.block_action(pick["action_id"], pick["value"], team=team, channel="C0CHURN")
    assert "Churn model US" in reply_text(fake, mark)


def test_unknown_project_is_explained(slack: SlackSender, fake: FakeSlack) -> None:
    mark = fake.mark()
    slack.command("status nothing-like-it", team=new_team())
    assert "no project matches" in reply_text(fake, mark).lower()


def test_summary_is_posted_then_edited_in_place(slack: SlackSender, fake: FakeSlack) -> None:
    team = new_team()
    open_project(slack, fake, "Churn model", team, channel="C0SUM")
    mark = fake.mark()
    slack.command("summary", team=team, channel="C0SUM")
    (post,) = fake.wait_for("chat.postMessage", after=mark)
    assert post.args["channel"] == "C0SUM"
    text = post.text()
    for area in ("Objectives", "Value", "Data", "Feasibility", "Evaluation", "Deployment",
                 "Monitoring", "Stakeholders", "Ethics"):  # fmt: skip
        assert f"*{area}*: medium" in text or f"*{area}*: high" in text or f"*{area}*: low" in text
    assert post.blocks[0]["type"] == "header"
    mark = fake.mark()
    slack.command("summary churn", team=team, channel="C0SUM")
    (update,) = fake.wait_for("chat.update", after=mark)
    assert update.args["channel"] == "C0SUM"
    assert not fake.calls_of("chat.postMessage", after=mark)
    assert "Updated" in reply_text(fake, mark)


def test_summary_in_a_channel_without_the_bot_goes_through_response_url(
    slack: SlackSender, fake: FakeSlack
) -> None:
    team = new_team()
    open_project(slack, fake, "Churn model", team, channel="C0NOBOT")
    mark = fake.mark()
    fake.fail_next("chat.postMessage", "not_in_channel")
    slack.command("summary", team=team, channel="C0NOBOT")
    calls = fake.wait_for("response_url", after=mark, count=2)
    assert calls[0].args.get("response_type") == "in_channel"
    assert "Pre-mortem: Churn model" in calls[0].text()
    assert "/invite" in calls[1].text()


def test_slack_error_becomes_a_clear_message(slack: SlackSender, fake: FakeSlack) -> None:
    mark = fake.mark()
    fake.fail_next("conversations.open", "channel_not_found", times=3)
    slack.command("new Forecasts", team=new_team())
    assert "can't see this channel" in reply_text(fake, mark)


def test_review_opens_a_modal_and_posts_the_findings(slack: SlackSender, fake: FakeSlack) -> None:
    team, mark = new_team(), fake.mark()
    assert slack.command("review", team=team, channel="C0REVIEW").status == 200
    (opened,) = fake.wait_for("views.open", after=mark)
    view = opened.view
    assert view["callback_id"] == "premortem.review"
    proposal = (
        "We will train a model to predict churn. There is no monitoring plan yet and we "
        "have not decided who owns the model in production. <!channel> please read."
    )
    mark = fake.mark()
    reply = slack.view_submission(
        view["callback_id"],
        {
            "premortem.review.proposal": {
                "premortem.review.proposal.text": {"type": "plain_text_input", "value": proposal}
            }
        },
        private_metadata=view["private_metadata"],
        team=team,
    )
    assert reply.status == 200
    (post,) = fake.wait_for("chat.postMessage", after=mark)
    assert post.args["channel"] == "C0REVIEW"
    assert "Monitoring" in post.text()
    assert "<!channel>" not in json.dumps(post.args)


def test_empty_review_is_refused_in_the_modal(slack: SlackSender) -> None:
    reply = slack.view_submission(
        "premortem.review",
        {"premortem.review.proposal": {"premortem.review.proposal.text": {"value": "   "}}},
        private_metadata=json.dumps({"u": "U0ALICE"}),
    )
    assert reply.json()["response_action"] == "errors"


def test_checkin_subcommand_answers(slack: SlackSender, fake: FakeSlack) -> None:
    team = new_team()
    open_project(slack, fake, "Churn model", team, channel="C0CHECK")
    mark = fake.mark()
    reply = slack.command("checkin churn every monday 9:00", team=team, channel="C0CHECK")
    assert reply.status == 200
    assert "Check-ins on Churn model: every Monday at 09:00" in reply_text(fake, mark)
