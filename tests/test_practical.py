"""The clinic's own practical articles win: the out-of-scope and clinic-info rules apply only when
the articles do not answer confidently."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from conftest import REPO

from chatbot.articles.knowledge import open_knowledge
from chatbot.engine import Engine

PARKING = """Parking and opening hours at Riverside Pain Clinic

Where to park

Free parking for patients is in the car park behind the clinic, entered from Mill Lane. \
Two disabled bays are beside the main door, and the car park is open whenever the clinic is.

Opening hours

The clinic is open from 8 am to 6 pm, Monday to Friday, and from 9 am to 1 pm on Saturdays.
"""


@pytest.fixture(scope="module")
def clinic_engine(tmp_path_factory: pytest.TempPathFactory, settings) -> Engine:
    folder = tmp_path_factory.mktemp("articles")
    for p in (REPO / "corpus").iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    (folder / "parking-and-hours.txt").write_text(PARKING, encoding="utf-8")
    s = replace(settings, corpus=str(folder))
    return Engine(open_knowledge(str(folder), s), s)


@pytest.mark.parametrize("question", ["where do i park", "is there parking near the clinic?",
                                      "what time does the clinic open on saturday"])
def test_a_parking_article_answers_parking_questions(clinic_engine: Engine, question: str) -> None:
    answer = clinic_engine.ask(question)
    assert answer.status == "answered", answer
    assert answer.hits[0].passage.source.path.endswith("parking-and-hours.txt")
    assert not any(n.kind == "out_of_scope" for n in answer.notices)


def test_without_such_an_article_the_rule_still_applies(engine: Engine) -> None:
    answer = engine.ask("where do i park")
    assert answer.status == "no_answer" and any(n.kind == "out_of_scope" for n in answer.notices)


def test_out_of_scope_questions_the_articles_do_not_answer_are_still_refused(clinic_engine: Engine) -> None:
    for q in ("what's the weather like tomorrow", "how do i cook rice"):
        assert clinic_engine.ask(q).status == "no_answer"
