"""The words that change what a phrase means: negation, hedging, filler words, and the
words of section headings. Plain data for the analysis; generic English, not domain terms.
"""

from __future__ import annotations

from bot.core.text import stem, word_set

# Words of section headings and line labels ("## Running it", "**Why ML.**", "Rollout:"), by
# the area they announce. Coverage found under a heading about another area counts half:
# "the promo table was switched off" in the value section is not a rollback plan.
SECTION_WORDS: dict[str, frozenset[str]] = {
    "objectives": word_set(
        "goal goals objective objectives aim aims purpose problem success want target targets "
        "criterion criteria kpi what decision deciding"
    ),
    "value": word_set(
        "value why business case cost costs benefit benefits roi worth bother alternatives"
    ),
    "data": word_set("data dataset datasets labels labelling inputs features sources"),
    "feasibility": word_set(
        "feasibility requirements requirement constraints technical latency difficulty complexity"
    ),
    "evaluation": word_set(
        "evaluation evaluate testing test tests validation metrics measurement experiment pilot"
    ),
    "deployment": word_set(
        "deployment deploy running run operation operations ownership owner owners delivery "
        "rollout serving hosting integration production launch support handover handoff"
    ),
    "monitoring": word_set(
        "monitoring monitor after current maintenance retraining go-live post-launch keeping "
        "refresh upkeep"
    ),
    "stakeholders": word_set(
        "stakeholders stakeholder sign-off signoff sponsor sponsors governance support approvals "
        "alignment present attendees people involved"
    ),
    "ethics": word_set(
        "ethics ethical fairness privacy people consent customers users patients players "
        "impact safety harm responsible"
    ),
}

# Words that place a sentence in the present way of working ("Today planners eyeball it").
STATUS_QUO = word_set("today currently presently nowadays")

# --- the language of negation and hedging ---------------------------------------------------

NEGATIONS = word_set(
    "no not never nobody none nothing neither nor without lack lacks lacking cannot "
    "unassigned dont wont cant isnt arent wasnt werent hasnt havent hadnt doesnt "
    "didnt couldnt wouldnt shouldnt"
)
# After a negation, these words mean what is negated is a problem or a need, not a piece of
# the project: "not an issue", "no worse than", "without hurting", "not only", "we don't
# need it perfect", "no need for real-time".
NEUTRALISERS = frozenset(
    stem(w)
    for w in word_set(
        "issue issues problem problems concern concerns blocker blockers bottleneck risk doubt "
        "worse better more less fewer higher lower later earlier sooner drop increase decrease "
        "exceed change surprise only just hurting reducing affecting losing impacting harm "
        "matter matters longer-term need needs require requires"
    )
)
# Words after which a determiner's negation no longer reaches: "no plan beyond the monthly
# review" says there IS a monthly review.
NEGATION_EXCEPTIONS = word_set("beyond besides except")
# After a negated phrase, these say the thing is not required rather than missing: "no GPU
# is needed", "no real-time constraint".
NEED_WORDS = word_set("needed required necessary constraint constraints requirement requirements")
DETERMINER_NEGATIONS = word_set("no without lack lacks lacking")
# Nouns that hand a determiner's negation on to what follows them: "no plans for a review",
# "no budget for monitoring" negate the review and the monitoring.
LIGHT_NOUNS = word_set(
    "plan plans budget budgets time capacity resources resource appetite intention funding "
    "headcount room bandwidth"
)
PREPOSITIONS = word_set(
    "in on at by for with within from to into over under after before during per via across"
)
NEUTRAL_SKIP = word_set("a an the any real big major")
# A negation inside a relative clause ("claims that were never referred ...") ends at the
# main clause's verb ("... are treated as genuine").
RELATIVES = word_set("that who which whose")
FINITE_VERBS = word_set("is are was were")
# Negations of a verb: right after a phrase they negate it ("Legal hasn't", "on-call isn't").
VERB_NEGATIONS = word_set(
    "not never cannot dont doesnt didnt isnt arent wasnt werent hasnt havent wont"
)
# Words that end the reach of a negation to their right ("no data leaves, and Security...").
POST_NEGATIONS = word_set("none nobody lacking absent unassigned")

# Hedges: phrases (stemmed word sequences) and patterns over the normalised sentence.
HEDGE_WORDS = (
    "probably maybe perhaps possibly hopefully hopeful might could tbd tbc tba unclear unsure "
    "undecided eventually someday presumably ideally tentatively supposedly"
)
HEDGE_PHRASES = (
    "not sure",
    "not yet sure",
    "to be decided",
    "to be determined",
    "to be confirmed",
    "to be agreed",
    "to be defined",
    "to be worked out",
    "figure out",
    "figure it out",
    "work it out",
    "we'll see",
    "we will see",
    "at some point",
    "one day",
    "down the line",
    "down the road",
    "in the future",
    "later on",
    "do that later",
    "do it later",
    "sort it later",
    "deal with it later",
    "once it's live",
    "once its live",
    "once it is live",
    "once live",
    "once we launch",
    "after launch",
    "after go-live",
    "when we get a chance",
    "when we have time",
    "when someone has time",
    "whenever someone has time",
    "if someone has time",
    "if we have time",
    "if they have time",
    "if they have room",
    "if they have capacity",
    "if it takes off",
    "has capacity",
    "now and then",
    "from time to time",
    "every now and then",
    "ad hoc",
    "in theory",
    "i think",
    "i guess",
    "i assume",
    "i believe",
    "i suppose",
    "i hope",
    "we hope",
    "hoping",
    "assuming",
    "should be fine",
    "should be ok",
    "should be okay",
    "should be enough",
    "should be stable",
    "should be easy",
    "shouldn't be an issue",
    "shouldn't really be an issue",
    "for now",
    "for the time being",
    "open question",
    "not decided",
    "not confirmed",
    "yet to be",
    "keep an eye",
    "kind of",
    "sort of",
    "something like",
    "some sort of",
    "some kind of",
    "think about it",
    "look into it",
    "try it",
    "in principle",
    "more or less",
    "at least for now",
    "next meeting",
    "to follow",
)
# "kind of" and "sort of" hedge ("it kind of works") except after a determiner, where they
# name a kind ("exactly this kind of data", "the same sort of model").
NOUN_HEDGES = word_set("kind sort")
DETERMINERS = word_set("this that these those the same what which every each any similar")
HEDGE_PATTERNS = (
    r"\bif (?:\w+ ){0,3}(?:helps?|helps out|has time|have time|agrees?|picks? it up|can spare|"
    r"signs? off|steps? up|has room|have room|has capacity|have capacity)\b",
    r"\bonce (?:it|the model|we)(?:'s| is| are)? (?:live|launched|in production|up)\b",
    r"\b(?:we|i|they)(?:'ll| will| would|'d) (?:try|see|think about)\b",
)


STOPWORDS = word_set(
    "a an the of to in on at for by with from and or as is are was were be been being it "
    "its it's this that these those there their they them we our us i my me you your he "
    "she his her will would shall can do does did has have had so such than then very "
    "also just into onto about over per via any some all each every which who whom what "
    "when where how our ours we'll we're we've we'd i'll i'm i've they'll they're"
)


# A phrase's words never reach across these (nor across a clause boundary).
JOINERS = word_set("and or nor then while whereas")

# "no", "not" and "never" are one word to the matcher: "no decisions about people" is also
# "not decisions about people".
SAME_AS_NO = frozenset({"no", "not", "never"})

# People a model's outputs can land on: a proposal that never names any is less likely to
# decide anything about a person (one of the facts the ethics decision weighs).
PEOPLE = word_set(
    "customer customers user users patient patients employee employees staff applicant "
    "applicants candidate candidates student students pupil pupils member members citizen "
    "citizens resident residents tenant tenants driver drivers worker workers player players "
    "child children people person persons individual individuals guest guests passenger "
    "passengers borrower borrowers claimant claimants donor donors visitor visitors subscriber "
    "subscribers client clients shopper shoppers buyer buyers seller sellers personal pii gdpr "
    "face faces biometric biometrics household households consumer consumers hire hires "
    "agent agents nurse nurses doctor doctors clinician clinicians officer officers"
)
