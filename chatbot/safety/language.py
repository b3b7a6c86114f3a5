"""Which language a message is written in, as far as safety and answering need to know.

The articles are in English and the sentence model reads English, so a message in another language
cannot be answered from them, and the second opinion (``second``) cannot read it. ``reading`` tells
"en" from the rest: a message mostly in a non-Latin script is another language; a message in Latin
letters is the language whose most common small words it uses most (English wins a tie, so a short
or misspelled English message stays English); a message with no common English word and hardly any
English word at all is another language too ("xx" when it is not one of those listed here).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from chatbot.text.wordlist import is_english

# The most common short words of each language written in Latin letters (lower case, accents kept
# and also without them, as people type without them). Enough to tell a sentence's language, no more.
_COMMON = {
    "en": """the a an is are was were i you my me it its to of and in on for with do does did can could how what
        when where why will would be been this that have has had not no yes your our they he she we am im i'm
        there here about from at if or so just get got any some much many after before""",
    "es": """el la los las de del que y en un una es son por para con no mi mis me yo estoy tengo como cuando donde
        puedo quiero muy pero se su lo le ya mas más esta está tiene hay porque qué que cómo como cuánto cuanto""",
    "fr": """le la les de des du et est je tu il elle un une pas pour avec mon ma mes que qui ne suis ai dans sur ce
        cette vous nous mais ou est-ce c'est j'ai combien comment quand peut""",
    "pt": """o a os as de do da dos das que e é um uma não nao para com meu minha eu estou tenho como quando você voce
        isso isto se mas por muito está esta posso quero pode""",
    "de": """der die das und ist ich du er sie nicht ein eine mit mein meine zu den dem bin habe wie was wann wo
        auch auf für fur kann ist es noch sehr ihn um mich sich dich meinen""",
    "it": """il lo la gli le di che e è un una non per con mio mia io sono ho come quando anche ma sei questo questa
        posso voglio può puo mi ti ci si devo dove cosa quanto della dello del nel alla qualcuno casa perché
        perche""",
    "pl": """w z na nie to jest się sie że ze jak mam mój moj moja co czy ja po do mnie jestem mogę moge chcę chce""",
    "tl": """ang ng mga sa ay at na ako ko ikaw siya hindi po ba ito yung may ka mo naman lang""",
    "ht": """mwen ou li nou yo pa ak nan se kijan ki sa gen pou m te ap kounye""",
    "vi": """tôi toi không khong có co là và va của cua được duoc bị bi này nay em anh chị chi muốn muon bao""",
    "ro": """și si este nu eu în cu pe sunt am ce mă ma sa să foarte mai meu mea vreau pot""",
    "tr": """ve bir bu ben sen değil degil için icin çok cok ne nasıl nasil var yok mi mı benim beni bana
        artık artik istiyorum kocam annem babam""",
    "nl": """de het een en is ik niet van je met mijn zijn dat wat hoe""",
    "id": """saya tidak yang dan ini itu ada dengan untuk aku bisa mau""",
    "so": """waxaan aan iyo ma waa ku ka oo haa waan rabaa rabo inaan karo ayaa""",
    "sw": """na ya wa kwa ni si mimi wewe hii nina sana wangu yangu""",
    "cs": """je se na že ze jsem mám mam chci nechci mě můj muj moje není neni ale jak co""",
    "hu": """nem meg akarok az és es hogy van vagyok nincs egy ez mit kapok apám apam anyám anyam férjem ferjem""",
    "yo": """mo mi ti fẹ fe ko kò ò sí ń ara ni wà wa""",
    "pa": """nu mainu nahi nai haan hai reha rahi gaya gayi chahunda chaunda chahundi""",
}
# A message of at least this many words, this share of them English words, is English whatever small
# words it shares with another language.
ENGLISH_MIN_WORDS = 6
ENGLISH_SHARE = 0.8
_WORDS = {lang: frozenset(words.split()) for lang, words in _COMMON.items()}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _latin(ch: str) -> bool:
    return ord(ch) < 0x250 or 0x1E00 <= ord(ch) < 0x1F00  # Basic to Extended-B, and Vietnamese letters


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _TOKEN.findall(text)]


def reading(text: str, known: Callable[[str], bool] = is_english) -> str:
    """"en", or the code of the language the message seems to be in ("other" for a non-Latin script).
    ``known``: the words taken as English (the word list, and the articles' own words)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    if sum(_latin(c) for c in letters) * 2 < len(letters):
        return "other"
    words = _words(text)
    if len(words) < 2:
        return "en"
    scores = {lang: sum(w in common for w in words) for lang, common in _WORDS.items()}
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    if best != "en" and scores[best] >= 2 and scores[best] > scores["en"]:
        # "is oral ketamine as good as iv": a few small words shared with another language, in a
        # sentence of English words
        if len(words) >= ENGLISH_MIN_WORDS and sum(known(w) for w in words) >= ENGLISH_SHARE * len(words):
            return "en"
        return best
    if scores["en"] == 0 and sum(known(w) for w in words) * 10 < len(words) * 3:
        return best if scores[best] else "xx"
    return "en"


def surely_english(text: str, known: Callable[[str], bool] = is_english) -> bool:
    """Whether a message ``reading`` calls English is so beyond doubt: it has a common English word and
    at least half its words are English words. "voinko ottaa ketamiinia, jos olen raskaana?" (Finnish,
    a language without a list here) is read as English because "jos" and "olen" are in the word list,
    and "to uz nechci" (Czech) because "to" is a common English word; the safety tier then also asks
    the multilingual model about it. (Either condition alone let two thirds of the training examples
    in other languages that are read as English pass as surely English; both together, 13%, while
    1.3% of the English ones are asked about too.)"""
    words = _words(text)
    if len(words) < 2:
        return True
    return any(w in _WORDS["en"] for w in words) and sum(known(w) for w in words) * 2 >= len(words)
