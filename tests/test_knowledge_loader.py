"""Strict loading: every problem in a team's YAML is reported with its file, entry and field."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from bot.adapters.terminal.cli import main
from bot.core.knowledge import AREA_IDS, KnowledgeError, bundled_dir, load, load_default

RISK = """\
risks:
  - id: data.team-labels-late
    area: data
    stage: data-collection
    kind: pitfall
    severity: high
    title: Labels arrive after the model is due
    description: The labelling vendor delivers after the first model is needed.
    mitigations:
      - action: Agree a labelling date with the vendor before the kickoff.
        owner: data lead
        done_when: The vendor has confirmed a delivery date in writing.
    sources:
      - source: fsdl-l5
        where: data availability
"""


def write(dir_: Path, name: str, body: str) -> Path:
    path = dir_ / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def problems_of(*dirs: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load(*dirs)
    return [str(p) for p in info.value.problems]


def only_problem(dir_: Path, name: str, body: str) -> str:
    """Add a team file to the bundled rules; the one problem loading them reports."""
    write(dir_, name, body)
    (problem,) = problems_of(bundled_dir(), dir_)
    return problem


def test_bundled_knowledge_base_loads_and_covers_every_area() -> None:
    kb = load_default()
    assert set(kb.areas) == set(AREA_IDS)
    for area in AREA_IDS:
        assert kb.risks_in(area), f"no risks in {area}"
        assert kb.questions_in(area), f"no questions in {area}"


def test_bundled_knowledge_base_meets_its_size_and_citation_promises() -> None:
    kb = load_default()
    assert len(kb.risks) >= 50
    assert len(kb.questions) >= 80
    archetypes = {a for q in kb.questions.values() for a in q.archetypes}
    assert {"software-2.0", "human-in-the-loop", "autonomous"} <= {a.value for a in archetypes}
    for risk in kb.risks.values():
        assert risk.mitigations and risk.sources
        assert all(kb.source_title(c) for c in risk.sources)


def test_team_rules_are_added_to_the_bundled_ones(tmp_path: Path) -> None:
    write(tmp_path, "ours.yaml", RISK)
    kb = load(bundled_dir(), tmp_path)
    assert "data.team-labels-late" in kb.risks
    assert len(kb.risks) == len(load_default().risks) + 1


def test_unknown_key_names_file_entry_and_field(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path,
        "ours.yaml",
        RISK.replace("    kind: pitfall\n", "    kind: pitfall\n    colour: red\n"),
    )
    assert "ours.yaml" in problem
    assert "'data.team-labels-late'" in problem
    assert "'colour'" in problem and "unknown key" in problem


def test_invalid_enum_is_reported(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path, "ours.yaml", RISK.replace("severity: high", "severity: catastrophic")
    )
    assert "'severity'" in problem and "data.team-labels-late" in problem


def test_missing_mitigation_and_missing_source_are_both_reported(tmp_path: Path) -> None:
    body = RISK.split("    mitigations:")[0]
    write(tmp_path, "ours.yaml", body)
    problems = problems_of(bundled_dir(), tmp_path)
    assert any("'mitigations'" in p and "missing" in p for p in problems)
    assert any("'sources'" in p and "missing" in p for p in problems)


def test_unknown_source_is_reported(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path, "ours.yaml", RISK.replace("source: fsdl-l5", "source: my-blog")
    )
    assert "my-blog" in problem and "sources.0.source" in problem


def test_clashing_id_with_bundled_rules_is_an_error(tmp_path: Path) -> None:
    existing = next(iter(load_default().risks))
    problem = only_problem(tmp_path, "ours.yaml", RISK.replace("data.team-labels-late", existing))
    assert "duplicate id" in problem and existing in problem and "ours.yaml" in problem


def test_reference_to_missing_risk_or_question_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "q.yaml",
        """\
        questions:
          - id: data.team-vendor
            area: data
            stage: data-collection
            text: Has the labelling vendor confirmed a date?
            why: Late labels delay everything after them.
            options:
              - value: "no"
                label: Not yet
                raises: [{risk: data.does-not-exist, severity: high}]
                follow_up: [data.no-such-question]
              - value: "yes"
                label: Confirmed
            sources: [{source: fsdl-l5, where: data availability}]
        """,
    )
    problems = problems_of(bundled_dir(), tmp_path)
    assert any("data.does-not-exist" in p and "options.0.raises.0.risk" in p for p in problems)
    assert any("data.no-such-question" in p and "options.0.follow_up.0" in p for p in problems)


def test_invalid_regex_signal_names_the_entry_and_the_field(tmp_path: Path) -> None:
    body = RISK.replace(
        "    mitigations:", '    signals:\n      reveal: ["re:labels (late"]\n    mitigations:'
    )
    problem = only_problem(tmp_path, "ours.yaml", body)
    assert "ours.yaml" in problem and "data.team-labels-late" in problem
    assert "signals.reveal.0" in problem and "invalid regular expression" in problem


QUESTION = """\
questions:
  - id: data.team-vendor
    area: data
    stage: data-collection
    text: Has the labelling vendor confirmed a date?
    why: Late labels delay everything after them.
    options:
      - value: no
        label: Not yet
      - value: yes
        label: Confirmed
    sources: [{source: fsdl-l5, where: data availability}]
"""


def test_unquoted_yes_and_no_are_answer_values_not_booleans(tmp_path: Path) -> None:
    write(tmp_path, "q.yaml", QUESTION.replace("value: yes", "value: on"))
    kb = load(bundled_dir(), tmp_path)
    assert [o.value for o in kb.questions["data.team-vendor"].options] == ["no", "on"]


def test_follow_up_only_question_that_no_answer_leads_to_is_reported(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path, "q.yaml", QUESTION.replace("    why:", "    follow_up_only: true\n    why:")
    )
    assert "data.team-vendor" in problem and "'follow_up_only'" in problem
    assert "no answer leads to this question" in problem


def test_option_label_too_long_for_a_button_is_reported(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path, "q.yaml", QUESTION.replace("label: Confirmed", "label: " + "x" * 76)
    )
    assert "'options.1.label'" in problem and "longer than 75 characters" in problem


def test_a_second_question_setting_the_archetype_is_reported(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path,
        "q.yaml",
        QUESTION.replace("label: Not yet", "label: Not yet\n        sets_archetype: autonomous"),
    )
    assert "only one question may set the archetype" in problem
    assert "feasibility.archetype" in problem


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path, "broken.yaml", "risks:\n  - id: data.x\n    title: [unclosed\n"
    )
    assert "broken.yaml" in problem and "invalid YAML" in problem and "line" in problem


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", RISK.replace("severity: high", "severity: huge"))
    write(
        tmp_path,
        "b.yaml",
        RISK.replace("data.team-labels-late", "data.other").replace(
            "stage: data-collection", "stage: someday"
        ),
    )
    problems = problems_of(bundled_dir(), tmp_path)
    assert len(problems) == 2
    assert any("a.yaml" in p for p in problems) and any("b.yaml" in p for p in problems)


def test_kb_validate_exits_zero_on_the_bundled_base(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "validate"]) == 0
    assert capsys.readouterr().out.startswith("ok:")


def test_kb_validate_exits_one_listing_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a.yaml", RISK.replace("severity: high", "severity: huge"))
    write(tmp_path, "b.yaml", "risks: {not: a list}\n")
    assert main(["kb", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "2 problem(s)" in out and "a.yaml" in out and "b.yaml" in out


def test_knowledge_env_var_adds_team_rules_and_reports_their_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a.yaml", RISK.replace("severity: high", "severity: huge"))
    monkeypatch.setenv("PREMORTEM_KNOWLEDGE", str(tmp_path))
    assert main(["kb", "validate"]) == 1
    assert "a.yaml" in capsys.readouterr().out


def test_kb_stats_counts_per_area_and_stage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "stats"]) == 0
    out = capsys.readouterr().out
    for area in AREA_IDS:
        assert area in out
    assert "data-collection" in out and "monitoring" in out


def test_wheel_ships_the_knowledge_base(tmp_path: Path) -> None:
    """An installed wheel has no checkout beside it: knowledge/ must travel inside the package."""
    repo = Path(__file__).resolve().parents[1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(repo),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("premortem-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/_knowledge/areas.yaml" in names
    assert any(n.startswith("bot/_knowledge/risks/") for n in names)
