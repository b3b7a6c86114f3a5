"""`chatbot eval`: agreement with the referee, thresholds, comparison, conversation scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.cli import main
from chatbot.errors import UsageError
from chatbot.staff.evaluation import parse_script, run_script
from tests.conftest import REPO, SHARED

GOLDEN = REPO / "tests" / "data" / "golden.jsonl"
FLOWS = REPO / "tests" / "data" / "conversations" / "flows.conv"
KEYS = ("hit@1", "hit@3", "mrr", "abstain", "emergency_recall", "advice", "leaks", "non_verbatim",
        "missing_source", "missing_disclaimer")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """Every fourth golden case (38 of 153, every kind among them): for what does not need them all."""
    path = tmp_path / "sample.jsonl"
    lines = [line for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    path.write_text("\n".join(lines[::4]) + "\n", encoding="utf-8")
    return path


def run_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["eval", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_json_has_the_documented_keys(capsys, sample: Path) -> None:
    code, data = run_json(capsys, str(sample))
    assert code == 0 and all(k in data for k in KEYS)
    assert all(0 <= data[k] <= 1 for k in KEYS[:6])


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="../shared/eval is not beside the repo")
@pytest.mark.parametrize("cases", ["public", "golden"])
def test_agrees_with_the_referee(capsys, tmp_path: Path, cases: str) -> None:
    path = SHARED / "eval" / "public.jsonl" if cases == "public" else GOLDEN
    questions = tmp_path / "q.txt"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    questions.write_text("\n".join(r["question"] for r in rows) + "\n")
    assert main(["batch", "--json", str(questions)]) == 0
    answers = tmp_path / "a.jsonl"
    answers.write_text(capsys.readouterr().out)
    ref = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(path), str(answers),
                          str(REPO / "corpus")], capture_output=True, text=True, check=True).stdout
    summary = json.loads(ref.split("SUMMARY ", 1)[1])
    _, ours = run_json(capsys, str(path))
    pairs = {"hit1": "hit@1", "hit3": "hit@3", "mrr": "mrr", "abstain": "abstain", "emergency": "emergency_recall",
             "advice": "advice", "small": "smalltalk"}
    for theirs, mine in pairs.items():
        if summary[theirs] == summary[theirs]:  # not NaN
            assert abs(summary[theirs] - ours[mine]) <= 0.005, theirs
    for key in ("leaks", "not_verbatim", "no_source", "no_disclaimer"):
        mine = {"not_verbatim": "non_verbatim", "no_source": "missing_source",
                "no_disclaimer": "missing_disclaimer"}.get(key, key)
        assert summary[key] == ours[mine]


def test_thresholds_fail_when_quality_drops_and_pass_when_it_holds(capsys, sample: Path) -> None:
    assert main(["eval", str(sample), "--min-hit3", "0.5", "--min-emergency", "1.0"]) == 0
    capsys.readouterr()
    # the golden set is in the question memory (it scores 1.00): a threshold above what the engine
    # reaches is shown on the paraphrase probe, which is not (about 0.6)
    hard = Path(__file__).parent / "data" / "probes" / "paraphrase_dev.jsonl"
    assert main(["eval", str(hard), "--min-hit1", "0.95"]) == 1
    assert "below thresholds" in capsys.readouterr().err


def test_thresholds_fail_on_a_degraded_engine(capsys, tmp_path: Path, sample: Path) -> None:
    # a settings file that makes the engine refuse almost everything: quality drops, eval must fail
    cfg = tmp_path / "s.toml"
    cfg.write_text("min_coverage = 0.99\nmin_score = 50\n")
    assert main(["--config", str(cfg), "eval", str(sample), "--min-hit3", "0.5"]) == 1


def test_compare_lists_better_and_worse(capsys, tmp_path: Path, sample: Path) -> None:
    saved = tmp_path / "before.json"
    cfg = tmp_path / "s.toml"
    cfg.write_text("min_coverage = 0.99\n")
    main(["--config", str(cfg), "eval", str(sample), "--save", str(saved), "--json"])
    capsys.readouterr()
    code, data = run_json(capsys, str(sample), "--compare", str(saved))
    assert code == 0 and data["compare"]["better"] and any("hit@1" in r for r in data["compare"]["rates"])


def test_conversation_scripts_run(capsys) -> None:
    code, data = run_json(capsys, str(FLOWS), "--min-conversations", "1.0")
    assert code == 0 and data["conversations"] == 1.0


def test_conversation_expectations_can_fail(engine) -> None:
    turns = parse_script("> hello\nstatus: answered\ncontains: nonexistent words\n", "x.conv")
    result = run_script(engine, turns, "x.conv")
    assert len(result[0].failures) == 2


def test_bad_script_is_a_clear_error() -> None:
    with pytest.raises(UsageError):
        parse_script("status: answered\n", "x.conv")
    with pytest.raises(UsageError):
        parse_script("> hi\nbogus line\n", "x.conv")


def test_missing_cases_file_is_one_line(capsys) -> None:
    assert main(["eval", "nope.jsonl"]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("line, problem", [
    ('{"kind": "answr", "question": "how long does the drip take", "gold": ["40 minutes"]}', "unknown kind 'answr'"),
    ('{"kind": "answer", "question": "how long does the drip take"}', "needs 'gold'"),
    ('{"kind": "answer", "question": "how long", "gold": []}', "needs 'gold'"),
    ('{"kind": "abstain", "question": ""}', "'question'"),
    ('{"kind": "abstain", "question": "x", "gold": "40"}', "'gold'"),
    ('{"kind": "abstain", "question": "x"', "not valid JSON"),
    ('["abstain", "x"]', "JSON object"),
])
def test_a_bad_case_line_is_an_error_naming_file_and_line(tmp_path: Path, capsys, line: str, problem: str) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"kind": "abstain", "question": "How do I cook rice?"}\n\n' + line + "\n")
    assert main(["eval", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"chatbot: {path}:3: ") and problem in err and len(err.splitlines()) == 1


def test_an_empty_case_file_is_an_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n")
    assert main(["eval", str(path)]) == 2
    assert f"{path}:1: no cases" in capsys.readouterr().err


def test_the_installed_example_runs_and_passes(tmp_path: Path, capsys) -> None:
    assert main(["eval", "--example"]) == 0
    example = tmp_path / "my-cases.jsonl"
    example.write_text(capsys.readouterr().out)
    kinds = {json.loads(line)["kind"] for line in example.read_text().splitlines()}
    assert {"answer", "abstain", "emergency", "advice", "smalltalk"} <= kinds
    assert main(["eval", str(example), "--min-hit3", "1", "--min-emergency", "1"]) == 0


def test_eval_without_cases_says_how_to_start(capsys) -> None:
    assert main(["eval"]) == 2
    assert "--example" in capsys.readouterr().err


def test_a_non_emergency_case_that_gets_the_crisis_panel_fails_the_release(tmp_path: Path) -> None:
    import json as _json
    import subprocess
    import sys

    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(_json.dumps(c) for c in [
        {"id": "b1", "kind": "benign", "question": "i want to kill myself tonight"},  # mislabelled on purpose
        {"id": "a1", "kind": "answer", "question": "how long does an infusion take", "gold": ["40 minutes"]},
    ]) + "\n", encoding="utf-8")
    run = [sys.executable, "-m", "chatbot", "eval", str(cases)]
    strict = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert "FALSE ALARM b1" in strict.stdout and "false alarms 1 > 0" in strict.stderr
    allowed = subprocess.run(run + ["--max-false-alarms", "1"], capture_output=True, text=True, timeout=300)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
