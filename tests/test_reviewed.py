"""Staff's reviewed questions (reviewed_questions.toml in the articles folder): a question staff have
answered with an article's words, or marked as not answered by the articles, gets that answer when a
patient asks it again, in the same words or in others."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from chatbot.articles.corpus import REVIEWED, load_corpus
from chatbot.articles.knowledge import open_knowledge
from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.staff.review import reviewed_template

ARTICLES = {
    "parking.txt": "Parking and arrival\n\nPatients park free of charge in the lot behind the clinic, in bays 1 to "
                   "20, for as long as the infusion takes.\n\nPlease arrive fifteen minutes before your "
                   "appointment so that the nurse can check your blood pressure.\n",
    "infusion.txt": "Your infusion\n\nEach infusion lasts about forty minutes. A nurse stays with you the whole "
                    "time and checks your blood pressure and oxygen every fifteen minutes.\n\nAfter the "
                    "infusion you rest in the recovery room until you feel steady on your feet.\n",
}
REVIEWED_TOML = '''
[[question]]
asked = "do i need to pay for parking"
answer = "park free of charge in the lot behind the clinic"

[[question]]
asked = "can i bring my dog to the infusion"
answer = false

[[question]]
asked = "is there a shuttle bus from the station"
answer = "words that are in no article"

[[question]]
asked = "no answer given"
'''


def _folder(tmp_path: Path, reviewed: str | None = REVIEWED_TOML) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    if reviewed is not None:
        (folder / REVIEWED).write_text(reviewed, encoding="utf-8")
    return folder


@pytest.fixture
def clinic(tmp_path: Path, settings: Settings) -> Engine:
    kb = open_knowledge(_folder(tmp_path), replace(settings, cache_dir=str(tmp_path / "kbcache")))
    return Engine(kb, settings, cache_folder=None)


def test_reviewed_questions_are_read_and_bad_entries_named(tmp_path: Path) -> None:
    loaded = load_corpus(_folder(tmp_path))
    assert loaded.reviewed[:2] == (("do i need to pay for parking", "park free of charge in the lot behind the clinic"),
                                   ("can i bring my dog to the infusion", ""))
    assert any("1 question(s) skipped" in p for p in loaded.problems)  # the one without an answer


def test_an_answer_no_longer_in_the_articles_is_not_used_and_is_named(clinic: Engine) -> None:
    assert "is there a shuttle bus from the station" not in clinic.kb.reviewed_questions
    assert any("not in any passage" in p and "shuttle" in p for p in clinic.kb.problems)


def test_the_reviewed_answer_is_quoted_first(clinic: Engine) -> None:
    for asked in ("do i need to pay for parking", "Do I need to pay for parking?",
                  "do i have to pay to park"):  # the same words, and a paraphrase
        answer = clinic.ask(asked)
        assert answer.status == "answered", asked
        assert "park free of charge" in answer.hits[0].passage.text, asked


def test_a_question_marked_as_not_answered_is_declined(clinic: Engine) -> None:
    assert clinic.ask("can i bring my dog to the infusion").status == "no_answer"
    assert clinic.ask("Can I bring my dog with me to my infusion?").status == "no_answer"


def test_other_questions_are_searched_as_before(clinic: Engine, tmp_path: Path, settings: Settings) -> None:
    plain = Engine(open_knowledge(_folder(tmp_path / "plain", reviewed=None),
                                  replace(settings, cache_dir=str(tmp_path / "kbcache2"))), settings, cache_folder=None)
    for asked in ("how long does each infusion last", "who checks my blood pressure"):
        a, b = clinic.ask(asked), plain.ask(asked)
        assert (a.status, [h.passage.text for h in a.hits]) == (b.status, [h.passage.text for h in b.hits])


def test_without_the_sentence_model_the_same_words_still_get_the_reviewed_answer(tmp_path: Path,
                                                                                 settings: Settings) -> None:
    keyword = replace(settings, semantic=False, cache_dir=str(tmp_path / "kbcache"))
    e = Engine(open_knowledge(_folder(tmp_path), keyword), keyword, cache_folder=None)
    assert e.ask("Do I need to pay for parking?").hits[0].passage.text.startswith("Patients park free")
    assert e.ask("can i bring my dog to the infusion").status == "no_answer"


def test_a_broken_reviewed_file_is_named_and_the_articles_still_load(tmp_path: Path, settings: Settings) -> None:
    for bad in ("[[question]\nasked = ", "question = 3\n", "\xff\xfe garbage"):
        folder = _folder(tmp_path, reviewed=None)
        (folder / REVIEWED).write_bytes(bad.encode("utf-8", "surrogateescape") if isinstance(bad, str) else bad)
        kb = open_knowledge(folder, replace(settings, cache_dir=str(tmp_path / "kbcache")))
        quoted = "\n".join(kb.texts)  # every paragraph of both articles is still there
        assert kb.reviewed_questions == [] and all(x in quoted for x in ("Patients park free", "Please arrive fifteen",
                                                                           "Each infusion lasts", "After the infusion"))
        assert any(p.startswith(f"{REVIEWED}: ignored") for p in kb.problems), kb.problems


def test_editing_the_reviewed_file_is_seen_at_the_next_start(tmp_path: Path, settings: Settings) -> None:
    s = replace(settings, cache_dir=str(tmp_path / "kbcache"))
    folder = _folder(tmp_path)
    assert len(open_knowledge(folder, s).reviewed_questions) == 2
    (folder / REVIEWED).write_text(REVIEWED_TOML.replace("answer = false", 'answer = "rest in the recovery room"'),
                                   encoding="utf-8")
    kb = open_knowledge(folder, s)  # from the cache if it were stale: it must not be
    assert kb.reviewed_answers[1] == "rest in the recovery room"


def test_the_staff_template_uses_nothing_until_a_person_answers() -> None:
    text = reviewed_template([("do you validate parking", 4), ('what does "ketamine" do', 2)])
    data = tomllib.loads(text)
    assert [q["asked"] for q in data["question"]] == ["do you validate parking", 'what does "ketamine" do']
    assert all("answer" not in q for q in data["question"])  # commented out until staff write it
