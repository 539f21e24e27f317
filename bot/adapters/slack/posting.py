"""The steps listeners share: find the project meant, ask the core, post what it returns.

Core calls in, builder output out; the only Web API calls here are posts and edits, and they
go through the app's one client (which retries 429s after Retry-After).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.builders.blocks import Block
from bot.adapters.slack.builders.consultation_builder import build_turn
from bot.adapters.slack.builders.project_builder import ProjectRow
from bot.adapters.slack.builders.summary_builder import build_summary_message
from bot.adapters.slack.services import Services
from bot.core.checkins import Schedule, get_schedule
from bot.core.consultation import Turn
from bot.core.errors import Ambiguous, NotFound
from bot.core.store import ConsultationRecord, Project
from bot.core.store.projects import name_key
from bot.core.store.text import NAME_LIMIT, one_line

# chat.update failures after which a fresh post is the right thing to do.
_REPOST_ON = ("message_not_found", "cant_update_message", "edit_window_closed")


def open_dm(client: WebClient, user: str) -> str:
    """The id of the bot's direct-message channel with `user`."""
    return str(client.conversations_open(users=user)["channel"]["id"])


def post_turn(client: WebClient, channel: str, turn: Turn) -> None:
    post_messages(client, channel, build_turn(turn))


def post_messages(
    client: WebClient, channel: str, messages: Sequence[tuple[str, list[Block]]]
) -> None:
    for text, blocks in messages:
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)


def summary_message(services: Services, project: Project) -> tuple[str, list[Block]]:
    return build_summary_message(services.consultations.summary(project.id), project.id)


def post_summary(client: WebClient, services: Services, project: Project, channel: str) -> bool:
    """Post the project's summary in `channel`, or edit the one posted there before.

    Returns True when an earlier message was edited in place.
    """
    text, blocks = summary_message(services, project)
    ts = services.store.findings.summary_post(project.id, channel)
    if ts:
        try:
            client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            return True
        except SlackApiError as exc:
            if exc.response.get("error") not in _REPOST_ON:
                raise
    posted = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    services.store.findings.set_summary_post(project.id, channel, str(posted["ts"]))
    return False


def resolve_project(services: Services, team: str, channel: str, name: str) -> Project:
    """The project `name` names in the team, or the channel's project when no name is given."""
    if name.strip():
        return services.store.projects.find(team, name)
    bound = services.store.projects.by_channel(team, channel)
    if not bound:
        raise NotFound(
            "No project is bound to this channel yet: start one with "
            "`/premortem new &lt;name&gt;`, or name one, e.g. `/premortem status churn`."
        )
    if len(bound) == 1:
        return bound[0]
    raise Ambiguous("This channel has several projects", [p.name for p in bound])


def project_called(services: Services, team: str, name: str) -> Project | None:
    """The team's project with exactly this name (case and spacing aside), if any."""
    key = name_key(one_line(name, NAME_LIMIT))
    return next((p for p in services.store.projects.list(team) if name_key(p.name) == key), None)


def open_project(
    services: Services, team: str, user: str, name: str, channel: str | None = None
) -> Project:
    """The project called `name`, created (owned by `user`, bound to `channel`) if new."""
    project = project_called(services, team, name)
    if project is not None:
        if channel and not project.channel:
            project = services.store.projects.update(project.id, channel=channel)
        return project
    project = services.store.projects.create(team, name, channel=channel, owner=user)
    services.store.events.log("project.created", who=user, team_id=team, project_id=project.id)
    return project


def projects_named(services: Services, team: str, names: Sequence[str]) -> list[tuple[int, str]]:
    by_name = {p.name: p.id for p in services.store.projects.list(team)}
    return [(by_name[n], n) for n in names if n in by_name]


def open_consultations_of(services: Services, team: str, user: str) -> list[ConsultationRecord]:
    """The person's open consultations in the team, the most recently active first."""
    found = []
    for project in services.store.projects.list(team):
        c = services.store.consultations.open_for(project.id)
        if c is not None and c.started_by == user:
            found.append(c)
    return sorted(found, key=lambda c: c.updated, reverse=True)


def project_row(services: Services, project: Project) -> ProjectRow:
    summary = services.consultations.summary(project.id, record=False)
    latest = services.store.consultations.latest_for(project.id)
    schedule = get_schedule(services.store, project.id)
    return ProjectRow(
        id=project.id,
        name=project.name,
        channel=project.channel,
        owner=project.owner,
        overall=summary.overall,
        levels={a.title: a.level for a in summary.areas},
        answered=summary.answered,
        consultation_id=latest.id if latest else None,
        consultation_status=latest.status if latest else None,
        next_checkin=checkin_line(schedule),
    )


def checkin_line(schedule: Schedule | None) -> str | None:
    """When the next check-in is and the schedule it follows, for status and App Home."""
    if schedule is None or schedule.next_due is None:
        return None
    return f"{slack_date(schedule.next_due)} · {schedule.describe()}"


def project_rows(services: Services, team: str, user: str | None = None) -> list[ProjectRow]:
    """The team's projects, each with its summary (only `user`'s, when given)."""
    if user is None:
        projects = services.store.projects.list(team)
    else:
        projects = projects_of(services, team, user)
    return [project_row(services, p) for p in projects]


def projects_of(services: Services, team: str, user: str) -> list[Project]:
    """The team's projects that `user` owns or started a consultation of."""
    mine = []
    for p in services.store.projects.list(team):
        latest = services.store.consultations.latest_for(p.id)
        if p.owner == user or (latest is not None and latest.started_by == user):
            mine.append(p)
    return mine


def slack_date(moment: datetime) -> str:
    """An instant as Slack's date token: each reader sees it in their own time zone."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
