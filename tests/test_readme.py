"""The README as a newcomer reads it: short, no link outside the repository, and its example
commands work as written in a new shell (run here with the test run's own installation)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
CHATBOT = Path(sys.executable).with_name("chatbot")


def test_the_readme_is_short_and_self_contained() -> None:
    assert len(README.split()) <= 2500
    assert "../shared" not in README
    for target in re.findall(r"\]\(([^)#]+)", README):
        assert not target.startswith("http") and (REPO / target).exists(), target


def _examples() -> list[str]:
    return [line.strip() for line in README.splitlines()
            if line.startswith("    .venv/bin/chatbot") and "[" not in line]


def test_the_readme_has_examples_to_run() -> None:
    assert len(_examples()) >= 5


@pytest.mark.skipif(not CHATBOT.exists(), reason="no chatbot script beside this Python")
@pytest.mark.parametrize("command", _examples())
def test_each_readme_example_runs_in_a_new_shell(command: str, tmp_path: Path) -> None:
    from chatbot.infra.locations import bundled_corpus_dir

    corpus = tmp_path / "articles"
    shutil.copytree(bundled_corpus_dir(), corpus)
    shutil.copy(REPO / "examples" / "settings-uk.toml", tmp_path / "settings.toml")
    script = command.replace(".venv/bin/chatbot", str(CHATBOT)).replace(" DIR", f" {corpus}")
    if script.rstrip().endswith(("chatbot", "chatbot kiosk")) or " kiosk" in script or " serve" in script:
        pytest.skip("interactive: driven under tmux by tests/test_e2e_tmux.py")
    (tmp_path / "questions.txt").write_text("what is ketamine\n", encoding="utf-8")
    script = script.replace(" FILE", " questions.txt")
    if "eval my-cases.jsonl" in script:
        subprocess.run(f"{CHATBOT} eval --example > my-cases.jsonl", shell=True, cwd=tmp_path, check=True)
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, (script, proc.stdout[-1500:], proc.stderr[-1500:])
    target = script.split(">")[-1].strip() if ">" in script else None
    assert proc.stdout.strip() or (target and (tmp_path / target).stat().st_size > 0)
