"""Every `action_id`, `callback_id` and `block_id` Premortem puts in Block Kit, in one place.

Builders and listeners both name these members, so they cannot drift apart. Another listener
package adds its own enum beside this one (one enum per feature) and registers on its values.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Ids(StrEnum):
    # actions: buttons and menus
    ANSWER = "premortem.answer"  # an answer option of a consultation question
    SKIP = "premortem.skip"
    PAUSE = "premortem.pause"
    RESUME = "premortem.resume"  # App Home and paused messages: carry on a consultation
    SHOW_SUMMARY = "premortem.show_summary"  # a consultation's or project's summary, by DM
    PICK_PROJECT = "premortem.pick_project"  # an ambiguous name: the person picks one
    OPEN_REVIEW = "premortem.open_review"  # App Home: open the review modal
    # views
    REVIEW_MODAL = "premortem.review"  # callback_id of the review modal
    REVIEW_INPUT_BLOCK = "premortem.review.proposal"
    REVIEW_INPUT = "premortem.review.proposal.text"
    HOME = "premortem.home"  # callback_id of the App Home view

    @classmethod
    def pattern(cls, member: Ids) -> re.Pattern[str]:
        """Matches the member's id exactly, or with a `:suffix` (unique ids in one message)."""
        return re.compile(rf"^{re.escape(member.value)}(:.*)?$")


class CheckinIds(StrEnum):
    """The buttons of a check-in DM."""

    ANSWER = "premortem.checkin.answer"  # an answer option; `:<question>:<value>` keeps it unique
    SNOOZE = "premortem.checkin.snooze"  # `:day` or `:week`
    SKIP = "premortem.checkin.skip"
