"""What a question asks for, and whether a passage could supply it at all.

Many questions a library cannot answer are near misses: the clinic's page on the procedure is there,
but not the price ("how much does it cost"), the figure ("what percentage of people get better"),
the opening days, or the concern the patient brings to it (pregnancy, alcohol, driving, blood
thinners, a shower, a flight, the gym, work, a meal). Their words and meaning are close to a
passage, so similarity alone rates them well.
``unsupplied`` marks the passages that say nothing of the kind asked for: no price, fee or insurance
for a cost question, no figure or "most people" for a question about the odds, no word of pregnancy
for a question about pregnancy. The abstention model (chatbot/retrieval/ranking.py) weighs that mark
with everything else; it is fitted like every other feature, on several libraries.

Each kind is a pair of patterns: what marks a question as asking it (narrow: a question that only
mentions the word in passing must not count) and what a passage that could answer it contains
(generous: a passage that might answer must not be marked). English only; a question in any other
language asks for nothing here. General language, never copied from test questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_NUMBER = (r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
           r"forty|fifty|sixty|ninety|hundred|few|several|couple|many)")
_UNIT = r"(seconds?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|wks?|months?|years?|yrs?|decades?)"
_DAYS = r"(mon|tues|wednes|thurs|fri|satur|sun)days?"


@dataclass(frozen=True)
class AskedKind:
    name: str
    question: re.Pattern[str]  # the question asks for this
    supply: re.Pattern[str]  # a passage that could answer it has this

    @classmethod
    def of(cls, name: str, question: str, supply: str) -> AskedKind:
        return cls(name, re.compile(question, re.I), re.compile(supply, re.I))


KINDS: tuple[AskedKind, ...] = (
    AskedKind.of("cost",
                 r"\bcosts?\b|\bcosting\b|\bprices?\b|\bexpensive\b|\bafford|\bfees?\b|\bhow much (do|does|will|would) "
                 r"(i|we|you|it) (pay|charge)|\bpay(ing)? for\b|\bcovered (by|under|on)\b|\b(is|are) (it|this|that|they|"
                 r"these) covered\b|\binsurance\b|\bmedicaid\b|\bmedicare\b|"
                 r"\bco-?pays?\b|\bdeductible\b|\bself-?pay\b|\bout of pocket\b|\bbill(ed|ing)?\b",
                 r"[$£€]|\bcosts?\b|\bprice|\bfees?\b|\bcharg|\bpay|\binsur|\bcover(ed|age|s)?\b|\bmedicaid\b|"
                 r"\bmedicare\b|\bfree\b|\bbill|\bco-?pay|\bdeductible|\bfund|\bnhs\b|\bprivate(ly)?\b|\bfinanc"),
    AskedKind.of("odds",
                 r"\bpercent|\bpercentage\b|\bsuccess rate|\bhow likely\b|\bwhat( are| is|'s) (the|my) (chances?|odds)\b|"
                 r"\b(chances?|odds) (of|that) (it|this|the (treatment|injection|infusion|procedure|block)|success|relief|"
                 r"getting|improv|work)|\bhow many (people|patients)\b|"
                 r"\bstatistic|\bwhat proportion\b",
                 r"\d\s*%|\bpercent|\bout of\b|\b\d+ in \d+\b|\bmost\b|\bmajority\b|\bmany\b|\bsome (people|patients)\b|"
                 r"\bsuccess|\blikely\b|\bunlikely\b|\brare(ly)?\b|\bcommon(ly)?\b|\bproportion\b|\bhalf\b|\bthird\b"),
    AskedKind.of("duration",
                 r"\bhow long\b(?! (is|are) (the|a|an|my) (needle|needles|scar|incision|cut|wire|lead|catheter|tube|line))|"
                 r"\bhow soon\b|\bhow quickly\b|\bhow fast\b|\bhow many (days|weeks|hours|minutes|months|years)\b",
                 rf"\b{_NUMBER}(\s*(-|to|or)\s*\d+)?\s*{_UNIT}\b|\bovernight\b|\bsame day\b|\bimmediate(ly)?\b|"
                 r"\bstraight away\b|\bright away\b|\btoday\b|\btomorrow\b|\buntil\b|\bsince\b|\bpermanent|\blasting\b|"
                 r"\bshort\b|\bbrief\b|\bquick(ly)?\b|\bslow(ly)?\b|\bgradual|\bminutes\b|\bweeks\b|\bmonths\b|\byears\b|"
                 r"\bdays\b|\bhours\b"),
    AskedKind.of("opening",
                 r"\bwhat time (do|does|are|is) (you|they|it|the (clinic|office|centre|center|pharmacy|unit)) (open|close|"
                 r"shut)|\bopening (hours|times)\b|\b(are|is) (you|the (clinic|office|centre|center)|it) open\b|"
                 r"\bopen (on|at|until|till|late|early|over)\b|\b(bank|public) holidays?\b|\bafter hours\b|\bout of hours\b|"
                 r"\bweekend (appointments?|clinics?|hours)\b",
                 rf"\d(:\d\d)?\s*(am|pm|a\.m|p\.m)\b|\b{_DAYS}\b|\bweekends?\b|\bhours\b|\bopen\b|\bclosed\b|\bholidays?\b|"
                 r"\bweekdays?\b|\b24/7\b|\bon call\b|\bout of hours\b|\barriv|\bminutes (before|early|prior)\b"),
    AskedKind.of("place",
                 r"\bpark(ing)?\b|\b(your|the|clinic.?s|office.?s|what.?s the|what is the) address\b|\bdirections (to|for)\b|"
                 r"\bget directions\b|\bhow do i (get|find) (to|the)\b|\bwhere (is|are) (the|your) "
                 r"(clinic|office|centre|center|department|unit|building|entrance|hospital)\b|\bpublic transport\b|\bbus\b",
                 r"\bpark|\baddress|\blocat|\bfloor\b|\bbuilding|\bentrance|\broad\b|\bstreet|\bavenue\b|\bsuite\b|\bcar\b|"
                 r"\bbus\b|\btrain\b|\bdirections|\bmap\b|\breception|\bdepartment|\bhospital|\bwing\b|\blevel\b|\bsite\b"),
    AskedKind.of("pregnancy",
                 r"\bpregnan|\bbreast ?-?feed|\bconceiv|\btrying for a baby\b|\bexpecting a baby\b",
                 r"\bpregnan|\bbreast ?-?feed|\bconceiv|\bbaby\b|\bfertil|\bunborn\b|\bcontracept"),
    AskedKind.of("alcohol",
                 r"\balcohol|\bwine\b|\bbeers?\b|\bbooze\b|\bdrunk\b|\bpints?\b|\bliquor\b|\bcocktails?\b",
                 r"\balcohol|\bwine\b|\bbeer\b|\bdrink"),
    AskedKind.of("driving",
                 r"(?<!sex )\bdriv(e|es|ing|en)\b|\bbehind the wheel\b",
                 r"\bdriv|\bescort\b|\bride\b|\btaxi\b|\bcab\b|\baccompan|\bcar\b|\bresponsible adult\b|"
                 r"\bsomeone (to|who can|who will) (take|bring|collect|pick)"),
    AskedKind.of("blood thinners",
                 r"\bblood[- ]?thinn|\banti-?coagul|\bwarfarin\b|\bcoumadin\b|\bclopidogrel\b|\bplavix\b|\bapixaban\b|"
                 r"\beliquis\b|\brivaroxaban\b|\bxarelto\b|\bheparin\b",
                 r"\bblood[- ]?thinn|\banti-?coagul|\bwarfarin\b|\bcoumadin\b|\bclopidogrel\b|\bplavix\b|\bapixaban\b|"
                 r"\beliquis\b|\brivaroxaban\b|\bxarelto\b|\bheparin\b|\baspirin\b|\bbleed|\bclot"),
    AskedKind.of("diabetes",
                 r"\bdiabet|\bblood sugars?\b|\binsulin\b",
                 r"\bdiabet|\bsugar|\binsulin\b|\bglucose\b"),
    AskedKind.of("bathing",
                 r"\bshowers?\b|\bshowering\b|\bbath(e|s|ing)?\b|\bswim(ming)?\b|\bpool\b|\bhot tub\b|\bsauna\b|\bjacuzzi\b",
                 r"\bshower|\bbath|\bswim|\bpool\b|\bhot tub|\bsauna|\bwet\b|\bwater\b|\bsoak|\bdressing\b|"
                 r"\bplaster\b|\bbandage"),
    AskedKind.of("travel",
                 r"\bfly(ing)?\b|\bflights?\b|\bplane\b|\bairport\b|\babroad\b|\bholiday abroad\b|\bvacation\b|\btravel",
                 r"\bfly|\bflight|\bplane\b|\bairport|\babroad\b|\bholiday|\bvacation|\btravel|\btrip\b|\bjourney|"
                 r"\bsecurity\b|\bmetal detector|\bscanner|\bid card"),
    AskedKind.of("exercise",
                 r"\bcan i (exercise|work out|go to the gym|run|swim|play)\b|\bgym\b|\bworking out\b|\bjogging\b|"
                 r"\bgo(ing)? running\b|\bsports?\b|\bgolf\b|\btennis\b|\byoga\b|\blifting weights\b|\bcycling\b|\bexercising\b|"
                 r"\b(go|get) back to (exercise|exercising|the gym|sport|running)\b",
                 r"\bgym\b|\bwork ?out|\bexercis|\brun\b|\brunning\b|\bjog|\bsport|\bgolf|\btennis|\byoga|\blift|\bactiv|"
                 r"\bstrenuous|\bphysio|\bwalk|\bcycl|\bswim|\bmove|\bmovement"),
    AskedKind.of("work",
                 r"\b(off|back to|return to|miss|missing|time off) work\b|\bsick (note|leave)\b|\bfit note\b|"
                 r"\bmy (job|boss|employer)\b",
                 r"\bwork|\bjob\b|\bemploy|\bsick (note|leave)|\bfit note|\bnormal activit|\bdaily activit|\busual activit"),
    AskedKind.of("eating",
                 r"\beat(ing)?\b|\bfood\b|\bmeals?\b|\bbreakfast\b|\blunch\b|\bdinner\b|\bfast(ing)?\b before|"
                 r"\bstarve\b|\bnil by mouth\b|\bcoffee\b",
                 r"\beat|\bfood|\bmeal|\bbreakfast|\blunch|\bdinner|\bfast(ing)?\b|\bstarv|\bnil by mouth|\bdrink|"
                 r"\bfluids?\b|\bempty stomach|\bcoffee|\bnothing by mouth"),
    AskedKind.of("allergy",
                 r"\ballerg",
                 r"\ballerg|\breaction|\bsensitiv"),
)


def kinds_asked(question: str) -> tuple[AskedKind, ...]:
    """The kinds of thing the question asks for (usually none)."""
    return tuple(k for k in KINDS if k.question.search(question))


def unsupplied(kinds: Sequence[AskedKind], texts: Sequence[str]) -> np.ndarray:
    """Per passage: 1.0 if it has nothing of at least one of ``kinds``, else 0.0."""
    out = np.zeros(len(texts))
    if kinds:
        for i, text in enumerate(texts):
            out[i] = float(any(not k.supply.search(text) for k in kinds))
    return out
