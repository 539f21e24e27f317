"""Every rule test in the knowledge base, each its own case: rules are code, so they have tests.

Given a rule test's answers (and its proposal, analysed as `premortem review` would), the
risks it expects must be open, the ones it rules out must not be, and each area it names must
be at the level it expects. See knowledge/README.md, "Rule tests".
"""

from __future__ import annotations

import pytest

from bot.core.assessment import (
    GivenAnswer,
    assess,
    levels_from_analysis,
    observations_from_analysis,
    risks_from_answers,
)
from bot.core.knowledge import KnowledgeBase, RuleTest, load_default

KB = load_default()


@pytest.fixture(scope="module")
def analyzer() -> object:
    """Built only when a rule test has a proposal."""
    from bot.core.analysis import Analyzer

    return Analyzer(KB)


@pytest.mark.parametrize("rule", KB.rule_tests, ids=[t.name for t in KB.rule_tests])
def test_rule(rule: RuleTest, request: pytest.FixtureRequest) -> None:
    answers = {qid: GivenAnswer(qid, value) for qid, value in rule.answers.items()}
    observations, proposal_levels = [], None
    if rule.proposal is not None:
        analysis = request.getfixturevalue("analyzer").analyse(rule.proposal)
        observations = observations_from_analysis(analysis)
        proposal_levels = levels_from_analysis(analysis)
    levels, findings, _ = assess(KB, answers, observations, proposal_levels)
    open_risks = {f.risk for f in findings if f.risk}
    if rule.proposal is None:
        assert open_risks == set(risks_from_answers(KB, rule.answers))

    missing = [r for r in rule.expect_risks if r not in open_risks]
    assert not missing, f"expected open: {missing}; open: {sorted(open_risks)}"
    unexpected = [r for r in rule.expect_absent if r in open_risks]
    assert not unexpected, f"expected absent but open: {unexpected}"
    wrong = {a: levels[a] for a, want in rule.expect_levels.items() if levels[a] != want}
    assert not wrong, f"levels {wrong}, expected {rule.expect_levels}"


def test_the_knowledge_base_has_rule_tests(kb: KnowledgeBase = KB) -> None:
    assert kb.rule_tests, "every rule needs a test; the knowledge base has none"
