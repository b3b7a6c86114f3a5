"""The safety tier's second opinion for messages in other languages (chatbot/safety/multilingual.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_kiosk import Clock

from chatbot.articles.knowledge import open_knowledge
from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.errors import ConfigError
from chatbot.retrieval import multilingual as ml
from chatbot.retrieval.encoder import FAULT_ENV, HEALTHY, RESTARTS, RETRY_AFTER
from chatbot.retrieval.multilingual import Multilingual
from chatbot.retrieval.semantic import SemanticModelUnavailable
from chatbot.safety.multilingual import BANK_FILE, CARD_FILE, Bank

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "chatbot" / "data"
sys.path.insert(0, str(REPO / "scripts"))

import train_multilingual  # noqa: E402


def _panel(answer) -> bool:
    return answer.status == "emergency" or any(n.kind == "emergency" for n in answer.notices)


@pytest.fixture(scope="module")
def engine() -> Engine:
    """As a clinic runs it: both models."""
    settings = Settings()
    e = Engine(open_knowledge(None, settings), settings)
    e.semantic.wait_ready(120)
    yield e
    e.multilingual.close()


@pytest.fixture(scope="module")
def plain_engine() -> Engine:
    """The same engine without the multilingual model: the rules and the n-gram model alone."""
    settings = Settings(semantic=False, multilingual=False)
    return Engine(open_knowledge(None, settings), settings)


# Crisis messages in languages and words the rules do not list (checked below: the rules miss each).
CRISES = [
    ("sr", "не желим више да живим, сваки дан је све горе"),
    ("ml", "എനിക്ക് ഇനി ജീവിക്കണ്ട, എല്ലാം അവസാനിപ്പിക്കാൻ തോന്നുന്നു"),
    ("sk", "už nechcem žiť, všetko je zbytočné"),
    ("fi", "en halua enää elää, haluan vain kuolla"),
    ("sv", "jag orkar inte leva längre, vill bara försvinna för alltid"),
]
ORDINARY = [
    ("sr", "колико кошта једна инфузија кетамина?"),
    ("ml", "ക്ലിനിക്കിൽ പാർക്കിംഗ് സൗകര്യം ഉണ്ടോ?"),
    ("sk", "koľko stojí jedna infúzia a preplatí ju poisťovňa?"),
    ("fi", "missä voin pysäköidä autoni klinikan lähellä?"),
    ("sv", "var kan jag parkera när jag kommer till kliniken?"),
]


@pytest.mark.parametrize(("lang", "message"), CRISES)
def test_a_crisis_the_rules_miss_gets_the_panel_from_the_multilingual_model(engine, plain_engine, lang, message) -> None:
    assert not engine.safety.rules.check(message).emergency  # the rules do not know it
    assert _panel(engine.ask(message)), lang
    assert not _panel(plain_engine.ask(message))  # without the model: the crisis line only


@pytest.mark.parametrize(("lang", "message"), ORDINARY)
def test_an_ordinary_question_in_another_language_gets_no_panel(engine, lang, message) -> None:
    answer = engine.ask(message)
    assert not _panel(answer), lang
    assert any(n.kind == "crisis_line" for n in answer.notices)  # every reply in another language has the numbers


def test_english_messages_never_start_the_model(plain_engine) -> None:
    settings = Settings(semantic=False)
    e = Engine(open_knowledge(None, settings), settings)
    e.ask("where do I park")
    e.ask("I want to end it all")
    assert e.multilingual._model is None


def test_a_model_that_dies_leaves_the_rules_and_the_crisis_line(monkeypatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "crash-load:SIGSEGV")
    m = Multilingual()
    assert m.vector("no quiero vivir") is None
    assert m.problem and m.problem.startswith("multilingual model") and "SIGSEGV" in m.problem
    assert "rules and the n-gram model only" in m.problem
    settings = Settings(semantic=False)
    e = Engine(open_knowledge(None, settings), settings)
    e.multilingual = m
    assert _panel(e.ask("quiero suicidarme"))  # the rules still know Spanish
    answer = e.ask(CRISES[0][1])
    assert any(n.kind in ("crisis_line", "emergency") for n in answer.notices)


def test_a_changed_model_file_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(ml, "MODEL", ml.PackagedFile(ml.MODEL.distribution, ml.MODEL.version, ml.MODEL.path,
                                                     "0" * 64, ml.MODEL.size))
    with pytest.raises(SemanticModelUnavailable, match="failed its checksum"):
        ml.load_e5()


def test_a_damaged_card_or_bank_is_an_error_not_silence(tmp_path: Path) -> None:
    (tmp_path / CARD_FILE).write_text("{not json")
    with pytest.raises(ConfigError, match="multilingual safety card"):
        Bank.load(tmp_path)
    (tmp_path / CARD_FILE).write_text((DATA_DIR / CARD_FILE).read_text())
    with pytest.raises(ConfigError, match="missing"):
        Bank.load(tmp_path)
    raw = bytearray((DATA_DIR / BANK_FILE).read_bytes())
    raw[len(raw) // 2] ^= 1
    (tmp_path / BANK_FILE).write_bytes(bytes(raw))
    bank = Bank.load(tmp_path)  # the vectors are read on the first message in another language
    with pytest.raises(ConfigError, match="changed or damaged"):
        bank.score(np.ones(384, dtype=np.float32))


def test_a_bank_found_damaged_leaves_the_crisis_line_and_says_why(tmp_path: Path) -> None:
    (tmp_path / CARD_FILE).write_text((DATA_DIR / CARD_FILE).read_text())
    (tmp_path / BANK_FILE).write_bytes(b"not a bank")
    settings = Settings(semantic=False)
    e = Engine(open_knowledge(None, settings), settings)
    e.safety.bank = Bank.load(tmp_path)
    try:
        answer = e.ask(CRISES[0][1])
    finally:
        e.multilingual.close()
    assert any(n.kind in ("crisis_line", "emergency") for n in answer.notices)
    assert e.safety.problem and "multilingual safety bank" in e.safety.problem
    from chatbot.frontends.repl import about_text

    assert "multilingual safety bank" in about_text(settings, e).plain  # the chat's "about" says it too


@pytest.mark.background("train_multilingual")
def test_training_script_reproduces_the_shipped_bank(background) -> None:
    proc = background("train_multilingual")  # scripts/train_multilingual.py --bank-only, started at collection
    assert proc.returncode == 0, proc.stderr[-2000:]
    tmp_path = proc.out
    a = json.loads((DATA_DIR / CARD_FILE).read_text())
    b = json.loads((tmp_path / CARD_FILE).read_text())
    assert a["training_files_sha256"] == b["training_files_sha256"], "training data changed: run scripts/train_multilingual.py"
    assert a["model_sha256"] == b["model_sha256"] == ml.MODEL.sha256
    assert a["bank_sha256"] == b["bank_sha256"]  # the same vectors, byte for byte
    assert abs(a["panel"] - b["panel"]) < 1e-6 and a["cross_validated"] == b["cross_validated"]
    assert abs(a["advice"] - b["advice"]) < 1e-6 and a["sentence_discount"] == b["sentence_discount"]
    for name in ("emergency", "advice"):
        assert a["heads"][name]["weights"] == b["heads"][name]["weights"]
        for part in ("english", "all"):
            np.testing.assert_allclose(a["heads"][name][part], b["heads"][name][part], atol=2e-6)


def test_the_bank_of_vectors_is_the_models() -> None:
    """The store the bank is built from holds the model's vectors of the training texts (int8)."""
    rows = train_multilingual.examples()
    bank = train_multilingual.read_bank()
    texts = sorted({r[2] for r in rows})
    parts = {i: train_multilingual.sentences(r[2]) for i, r in enumerate(rows) if r[3] != "en"}
    stored = train_multilingual.stored_texts(texts, {i: p for i, p in parts.items() if p})
    assert {train_multilingual.key(t) for t in stored} == set(bank)
    assert len(stored) > len(texts)  # the sentences of messages in other languages are there too
    sample = texts[:: max(1, len(texts) // 12)][:12]
    model = ml.load_e5()
    fresh = model.encode(sample)
    for text, v in zip(sample, fresh, strict=True):
        np.testing.assert_allclose(bank[train_multilingual.key(text)], v, atol=0.01)


def test_ask_says_when_the_multilingual_model_could_not_be_used(tmp_path: Path) -> None:
    import os

    env = {**os.environ, FAULT_ENV: "crash-load:SIGSEGV", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "chatbot", "ask", "--json", "en halua enää elää"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "chatbot: warning: multilingual model multilingual-e5-small crashed" in proc.stderr
    data = json.loads(proc.stdout)
    assert any(n["kind"] in ("crisis_line", "emergency") for n in data["notices"])  # the numbers, always


# A treatment that did nothing, told in another language with a question: disappointment, not danger.
# (Written for this test; the bank's examples of setbacks are training/safety/round23_*.)
SETBACKS = [
    ("es", "la ultima infusion no me hizo absolutamente nada, me pueden subir la dosis la proxima vez?"),
    ("fr", "la perfusion de mardi n'a rien changé pour ma douleur, c'est normal après une seule séance ?"),
    ("it", "il trattamento non ha funzionato per niente su di me, posso avere un rimborso?"),
    ("pt", "a infusão não fez efeito nenhum, quantas sessões até eu sentir alguma diferença?"),
    ("de", "die Infusion hat bei mir gar nichts gebracht, sollte ich lieber das Nasenspray probieren?"),
    ("pl", "wlew nic mi nie pomógł, ból wrócił po dwóch dniach. kiedy mogę przyjść na następną wizytę?"),
]


@pytest.mark.parametrize(("lang", "message"), SETBACKS)
def test_a_treatment_that_did_nothing_is_not_an_emergency(engine, lang: str, message: str) -> None:
    answer = engine.ask(message)
    assert not _panel(answer), lang
    assert any(n.kind == "crisis_line" for n in answer.notices)  # the numbers are still there, on one line


@pytest.mark.parametrize(("message", "topic"), [
    ("en halua enää elää, haluan vain kuolla", "suicide"),  # Finnish: no longer want to live
    ("mój mąż nagle upadł i nie oddycha, nie mogę go obudzić", "medical"),  # Polish: collapsed, not breathing
])
def test_the_panel_is_the_one_for_the_nearest_emergencies_topic(engine, message: str, topic: str) -> None:
    check = engine.safety.check(message, None, engine.multilingual.vector)
    assert check.crisis == topic


@pytest.mark.parametrize("message", [
    "voinko ottaa ketamiinia, jos olen raskaana?",  # Finnish: can I have ketamine if I'm pregnant?
    "smiem si vziať ketamín, keď beriem lieky na tlak?",  # Slovak: with my blood-pressure medicine?
])
def test_a_personal_decision_in_another_language_gets_the_advice_notice(engine, message: str) -> None:
    answer = engine.ask(message)
    assert any(n.kind == "personal_advice" for n in answer.notices)
    assert not _panel(answer)


@pytest.mark.parametrize(("lang", "message"), ORDINARY)
def test_a_practical_question_in_another_language_gets_no_advice_notice(engine, lang: str, message: str) -> None:
    assert not any(n.kind == "personal_advice" for n in engine.ask(message).notices), lang


def test_the_ngram_training_reads_every_row_the_multilingual_examples_use() -> None:
    """History asked as a decision (B3) is labelled advice; scripts/train_safety.py took its class from
    the row's letter and stopped on it."""
    import train_safety

    assert train_safety.class_of("B3", "advice") == "advice"
    assert train_safety.class_of("A2", "advice") == "advice"
    assert train_safety.class_of("S1", "emergency") == "suicide"
    assert train_safety.class_of("B1", "benign") == "other"
    rows = train_safety.load_examples(REPO / "training" / "multilingual" / "round9_multilingual_a.tsv")
    assert {train_safety.class_of(c, label) for c, label, _, _ in rows} <= set(train_safety.CLASSES)


def _card_with(tmp_path: Path, **changes) -> Path:
    card = json.loads((DATA_DIR / CARD_FILE).read_text())
    card.update(changes)
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    (tmp_path / BANK_FILE).write_bytes((DATA_DIR / BANK_FILE).read_bytes())
    return tmp_path


def test_the_alarms_are_the_margins_plus_their_heads_weighted_log_odds(tmp_path: Path) -> None:
    shipped = Bank.load()
    vector = shipped._read()[0][123]
    reading = shipped.score(vector)
    v = vector / np.linalg.norm(vector)
    for name, margin, alarm in (("emergency", reading.margin, reading.alarm), ("advice", reading.decision, reading.decided)):
        h = shipped.heads[name]
        assert h.weights[0] > 0 and h.weights[1] > 0
        # as the training script computes it when it sets the points
        expected = train_multilingual.stacked(np.asarray([margin]), v[None, :].astype(np.float64), h.english, h.every,
                                              h.weights)
        assert alarm == pytest.approx(float(expected[0]), abs=1e-6), name
    # without the heads the alarms are the margins, and the other readings do not change
    card = json.loads((DATA_DIR / CARD_FILE).read_text())
    for entry in card["heads"].values():
        entry["weights"] = [0.0, 0.0]
    alone = Bank.load(_card_with(tmp_path, heads=card["heads"]))
    assert tuple(alone.score(vector)) == pytest.approx((reading.margin, reading.topic, reading.decision, reading.margin,
                                                        reading.decision))


def _damaged_heads(change) -> dict:
    heads = json.loads((DATA_DIR / CARD_FILE).read_text())["heads"]
    change(heads)
    return heads


@pytest.mark.parametrize("heads", [
    _damaged_heads(lambda h: h["emergency"].update(english=[0.1] * 10)),
    _damaged_heads(lambda h: h["advice"].update({"all": [float("nan")] * 385})),
    _damaged_heads(lambda h: h["emergency"].update(weights=[0.002])),
    _damaged_heads(lambda h: h["advice"].update(weights=[-1.0, 0.002])),
    _damaged_heads(lambda h: h.pop("advice")),
    "not heads",
])
def test_a_card_with_damaged_heads_is_an_error_not_silence(tmp_path: Path, heads) -> None:
    with pytest.raises(ConfigError, match="multilingual safety card"):
        Bank.load(_card_with(tmp_path, heads=heads))


@pytest.mark.parametrize("discount", [float("nan"), -0.01, "x", None])
def test_a_card_with_a_damaged_sentence_discount_is_an_error(tmp_path: Path, discount) -> None:
    with pytest.raises(ConfigError, match="multilingual safety card"):
        Bank.load(_card_with(tmp_path, sentence_discount=discount))


def test_the_heads_and_sentences_catch_more_at_every_false_panel_rate() -> None:
    """The card's cross-validated figures (each writer's file held out), as the training script wrote
    them: at every false-panel rate the alarm (heads and sentences) catches more emergencies than the
    margin alone, and the decision alarm more decisions at the same share of other ordinary messages."""
    cv = json.loads((DATA_DIR / CARD_FILE).read_text())["cross_validated"]
    for rate, recall in cv["recall_at_false_panel_rate"].items():
        assert recall > cv["margin_alone_recall_at_false_panel_rate"][rate], rate
    assert cv["advice_recall_at_advice_point"] > cv["advice_recall_decision_margin_alone"]


def test_a_failed_model_is_started_again_after_a_while(monkeypatch) -> None:
    """One crash or stall (a busy machine) must not leave a kiosk without the model for the rest of the day."""
    clock = Clock()
    monkeypatch.setenv(FAULT_ENV, "crash-load:SIGSEGV")
    m = Multilingual(clock=clock)
    try:
        assert m.vector("no quiero vivir") is None and m.problem and "SIGSEGV" in m.problem
        monkeypatch.delenv(FAULT_ENV)
        clock.now += RETRY_AFTER - 1
        assert m.vector("no quiero vivir") is None and m.tries.count == 0  # too soon: not started again
        clock.now += 2
        v = m.vector("no quiero vivir")
        assert v is not None and v.shape == (ml.DIM,) and m.problem is None and m.tries.count == 1
    finally:
        m.close()


def test_a_model_that_keeps_failing_is_given_up_after_its_restarts(monkeypatch) -> None:
    clock = Clock()
    monkeypatch.setenv(FAULT_ENV, "crash-load:SIGSEGV")
    m = Multilingual(clock=clock)
    try:
        for _ in range(RESTARTS + 2):
            assert m.vector("no quiero vivir") is None
            clock.now += RETRY_AFTER + 1
        assert m.tries.count == RESTARTS and m.problem and "SIGSEGV" in m.problem
    finally:
        m.close()


def test_a_model_that_worked_for_hours_before_it_failed_gets_its_tries_back() -> None:
    """The tries are for a run of failures: a kiosk whose model fails once a day must not be left
    without it on the fourth day."""
    clock = Clock()
    m = Multilingual(clock=clock)
    try:
        assert m.vector("no quiero vivir") is not None
        m.tries.count = RESTARTS  # as if it had been started again three times already
        clock.now += HEALTHY  # and had worked since, for hours
        m._model._proc.kill()  # then it dies
        m._model._proc.wait()
        assert m.vector("no quiero vivir") is None and m.problem
        clock.now += RETRY_AFTER + 1
        v = m.vector("no quiero vivir")
        assert v is not None and m.problem is None and m.tries.count == 1
    finally:
        m.close()


def test_restarts_wait_count_and_forgive_after_healthy_work() -> None:
    from chatbot.retrieval.encoder import Restarts

    clock = Clock()
    tries = Restarts(clock)
    assert not tries.take()  # nothing has failed
    tries.failed()
    assert not tries.take()  # too soon
    for n in range(1, RESTARTS + 1):
        clock.now += RETRY_AFTER
        assert tries.take() and tries.count == n
        tries.working()
        clock.now += 1
        tries.failed()  # a short while of work: the same run of failures
    clock.now += RETRY_AFTER
    assert not tries.take() and tries.count == RESTARTS
    tries.working()
    clock.now += HEALTHY
    tries.failed()
    clock.now += RETRY_AFTER
    assert tries.take() and tries.count == 1


def test_nearest_is_the_stable_sort_without_sorting_everything() -> None:
    from chatbot.safety.multilingual import nearest

    rng = np.random.default_rng(7)
    for n, k in ((10, 3), (5, 5), (3, 5), (9664, 5), (1000, 1)):
        for sims in (rng.normal(size=n), np.round(rng.normal(size=n), 1), np.zeros(n)):  # with ties
            sims = sims.astype(np.float32)
            assert nearest(sims, k).tolist() == np.argsort(-sims, kind="stable")[:k].tolist()
