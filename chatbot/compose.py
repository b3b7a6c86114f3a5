"""An answer from passages and notices: the crisis message first, then the personal-advice notice,
the quotes (or why there are none), the suggestions and the disclaimer.

Every sentence of medical content in an answer is a quotation; what this module writes itself comes
from the safety rules' messages, filled in from the settings (numbers, names, "call"/"text").
"""

from __future__ import annotations

from collections.abc import Callable

from chatbot.config import Settings
from chatbot.models import Answer, Notice
from chatbot.safety import SafetyResult
from chatbot.safety.crisis import message_values


class Composer:
    def __init__(self, settings: Settings, message: Callable[[str, dict[str, str]], str]) -> None:
        """``message(name, values)``: the safety rules' message ``name`` filled with ``values``."""
        self.settings = settings
        self.values = message_values(settings)  # every number and "call"/"text" from settings
        self.values["staff_hint"] = self.staff_reach()  # "… or call the clinic on 555 0100" when it has a number
        self._message = message

    def message(self, name: str) -> str:
        return self._message(name, self.values)

    def staff_reach(self) -> str:
        """How to reach the clinic: the staff hint, with the clinic's number when the settings have
        one (and the hint does not name it already)."""
        s = self.settings
        phone = s.clinic_phone.strip()
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not phone or (digits and digits in "".join(ch for ch in s.staff_hint if ch.isdigit())):
            return s.staff_hint
        if s.staff_hint == Settings().staff_hint:
            return f"Please ask a member of the clinic staff, or call {s.clinic_name} on {phone}."
        return f"{s.staff_hint} You can call {s.clinic_name} on {phone}."

    def no_answer_text(self) -> str:
        return "I couldn't find an answer to that in the clinic's articles. " + self.staff_reach()

    def crisis_notices(self, check: SafetyResult) -> tuple[Notice, ...]:
        """The crisis message for an emergency (rules) or an alarm (classifier), with a Spanish line
        when the message reads as Spanish."""
        topic = check.crisis
        if topic is None:
            return ()
        text = self.message(topic)
        if check.language == "es":
            text += "\n" + self.message("crisis_es")
        return (Notice("emergency", text),)

    def crisis_line(self, check: SafetyResult, key: str = "crisis_line") -> Notice:
        """The calm form: one line with the crisis numbers, shown after the answer (``key``: which
        line), with the Spanish line when the message reads as Spanish."""
        text = self.message(key)
        if check.language == "es":
            text += "\n" + self.message("crisis_es")
        return Notice("crisis_line", text)

    def notices(self, check: SafetyResult) -> tuple[Notice, ...]:
        """The notices after the crisis message: a calm crisis line or a what-to-do line on a crisis
        topic, and the personal-advice notice."""
        notices: list[Notice] = []
        verdict = check.verdict
        comfort = self.message("comfort") if check.comfort else ""
        if comfort:  # one warm line before the answer (a clinic's own rules may leave it out)
            notices.append(Notice("comfort", comfort))
        if check.flagged:
            pass  # the crisis message already leads
        elif verdict.mention == "suicide":
            notices.append(self.crisis_line(check, "mention_suicide"))
        elif check.line or not check.readable:
            notices.append(self.crisis_line(check))
        elif verdict.mention:
            notices.append(Notice("safety_info", self.message(f"mention_{verdict.mention}")))
        if check.advice:
            notices.append(Notice("personal_advice", self.message("personal_advice")))
        return tuple(notices)

    def invalid(self, question: str) -> Answer:
        return Answer(question, "invalid", self.settings.disclaimer,
                      message="Please type a question in words, for example: \"How long does an infusion take?\"")

    def too_long(self, shown: str, length: int, emergency: bool, notices: tuple[Notice, ...]) -> Answer:
        limit = self.settings.max_question_chars
        return Answer(shown, "emergency" if emergency else "invalid", self.settings.disclaimer, notices=notices,
                      message=f"That message is too long ({length:,} characters). Please ask one "
                              f"question of at most {limit:,} characters.")

    def unreadable(self, question: str, notices: tuple[Notice, ...]) -> Answer:
        """A message in a language the articles cannot answer: never small talk, never silence."""
        return Answer(question, "no_answer", self.settings.disclaimer, notices=notices,
                      message=self.message("unreadable"))

    def emergency(self, question: str, notices: tuple[Notice, ...]) -> Answer:
        return Answer(question, "emergency", self.settings.disclaimer, notices=notices)

    def smalltalk(self, question: str, kind: str, notices: tuple[Notice, ...], suggestions: tuple[str, ...]) -> Answer:
        return Answer(question, "smalltalk", self.settings.disclaimer, notices=notices, message=self.message(kind),
                      suggestions=suggestions[:3])

    def out_of_scope(self, question: str, kind: str, notices: tuple[Notice, ...],
                     suggestions: tuple[str, ...]) -> Answer:
        text = self.message(kind)
        return Answer(question, "no_answer", self.settings.disclaimer, notices=notices + (Notice("out_of_scope", text),),
                      message=text, suggestions=suggestions[:3])

    def no_answer(self, question: str, notices: tuple[Notice, ...], suggestions: tuple[str, ...] = (),
                  **found: object) -> Answer:
        return Answer(question, "no_answer", self.settings.disclaimer, notices=notices, message=self.no_answer_text(),
                      suggestions=suggestions[:3], **found)  # type: ignore[arg-type]
