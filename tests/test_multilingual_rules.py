"""Tier-1 rules in other languages: the clearest crisis phrasings are rule emergencies, and ordinary
questions, idioms and general questions on a crisis topic are not. Written for these tests (not taken
from the training files), in the spelling people use, with and without accents."""

from __future__ import annotations

import pytest

from chatbot.safety.rules import SafetyRules, fold_pattern

RULES = SafetyRules.load()

# (language, row of the category table, message)
CRISES = [
    ("es", "S1", "mi hija dice que está pensando en el suicidio"),
    ("es", "S2", "a veces quisiera desaparecer para siempre"),
    ("es", "S5", "me estoy cortando otra vez los brazos"),
    ("es", "S6", "mi papá se tomó todo el frasco de pastillas para dormir"),
    ("es", "M1", "no puedo respirar, me estoy ahogando"),
    ("es", "M2", "creo que mi esposo tiene un infarto"),
    ("es", "M4", "mi mamá está inconsciente en el piso"),
    ("es", "M5", "a mi hijo le está dando una convulsión"),
    ("es", "H2", "mi pareja me pegó anoche y dice que me va a matar"),
    ("pt", "S1", "to pensando em me matar hoje"),
    ("pt", "S2", "não quero mais viver, cansei"),
    ("pt", "S5", "minha filha está se cortando de novo"),
    ("pt", "S6", "meu pai tomou a cartela inteira de rivotril"),
    ("pt", "M2", "acho que estou tendo um infarto"),
    ("pt", "M4", "minha mãe desmaiou e não acorda"),
    ("pt", "M5", "meu filho está convulsionando agora"),
    ("pt", "H2", "meu marido me espancou e ameaçou me matar"),
    ("fr", "S1", "je pense à me suicider depuis des semaines"),
    ("fr", "S2", "je n'ai plus envie de vivre"),
    ("fr", "S5", "ma fille se scarifie les bras"),
    ("fr", "S6", "mon père a avalé toute une plaquette de somnifères"),
    ("fr", "M1", "mon mari ne respire plus"),
    ("fr", "M2", "j'ai une forte douleur dans la poitrine qui descend dans le bras gauche"),
    ("fr", "M4", "ma mère a perdu connaissance dans la salle d'attente"),
    ("fr", "M5", "mon fils fait une crise d'épilepsie"),
    ("fr", "H2", "mon conjoint me frappe et menace de me tuer"),
    ("de", "S1", "mein Sohn hat gesagt, dass er sich umbringen will"),
    ("de", "S2", "ich will nicht mehr leben"),
    ("de", "S5", "ich ritze mich wieder"),
    ("de", "O1", "meine Mutter hat zu viele Schlaftabletten genommen"),
    ("de", "M1", "mein Mann atmet nicht mehr"),
    ("de", "M2", "ich glaube, ich habe einen Herzinfarkt"),
    ("de", "M4", "mein Vater ist bewusstlos"),
    ("de", "M5", "meine Tochter hat gerade einen Krampfanfall"),
    ("de", "H2", "mein Mann schlägt mich"),
    ("it", "S1", "voglio farla finita, non ce la faccio più"),
    ("it", "S2", "vorrei non svegliarmi più"),
    ("it", "S5", "mi taglio le braccia quando il dolore è troppo"),
    ("it", "O1", "mio padre ha preso troppe pillole"),
    ("it", "M1", "mia madre non respira"),
    ("it", "M2", "credo di avere un infarto"),
    ("it", "M4", "mio marito è svenuto e non si sveglia"),
    ("it", "M5", "mio figlio ha una crisi epilettica adesso"),
    ("it", "H2", "il mio compagno mi picchia"),
    ("zh", "S1", "我一直在想自杀"),
    ("zh", "S2", "我真的不想活了"),
    ("zh", "S5", "我又用刀割自己了"),
    ("zh", "S6", "我妈把一整瓶安眠药都吃了"),
    ("zh", "M1", "我喘不过气来"),
    ("zh", "M2", "我爸突然胸口剧烈疼痛"),
    ("zh", "M4", "我老公昏倒了，叫不醒"),
    ("zh", "M5", "我儿子正在抽搐"),
    ("zh", "H2", "我老公经常打我，还威胁要杀了我"),
    ("zh-Hant", "S1", "我想自殺"),
    ("zh-Hant", "S2", "我不想再活下去了"),
    ("zh-Hant", "S6", "我剛剛吞了一整瓶安眠藥"),
    ("zh-Hant", "M1", "我先生沒有呼吸了"),
    ("zh-Hant", "M4", "我媽媽昏倒了，叫不醒"),
    ("zh-Hant", "H2", "他又打我了"),
    ("ja", "S1", "もう死にたい"),
    ("ja", "S2", "消えてしまいたい"),
    ("ja", "S5", "またリストカットしてしまった"),
    ("ja", "S6", "薬を全部飲んでしまった"),
    ("ja", "M1", "息ができない"),
    ("ja", "M2", "夫が胸を押さえて苦しんでいる"),
    ("ja", "M4", "父が倒れて意識がない"),
    ("ja", "M5", "息子がけいれんしている"),
    ("ja", "H2", "夫に毎日殴られています"),
    ("ko", "S1", "자살하고 싶다는 생각이 자꾸 들어요"),
    ("ko", "S2", "죽고 싶어요"),
    ("ko", "S5", "요즘 계속 자해를 해요"),
    ("ko", "S6", "수면제를 한꺼번에 다 먹었어요"),
    ("ko", "M1", "숨을 못 쉬겠어요"),
    ("ko", "M2", "아버지가 가슴이 너무 아프대요"),
    ("ko", "M4", "엄마가 쓰러져서 의식이 없어요"),
    ("ko", "M5", "아이가 경련을 하고 있어요"),
    ("ko", "H2", "남편이 저를 때려요"),
    ("vi", "S1", "tôi muốn tự tử"),
    ("vi", "S1", "toi muon chet"),
    ("vi", "S2", "con trai tôi nói nó không muốn sống nữa"),
    ("vi", "S5", "em lại tự làm đau bản thân"),
    ("vi", "S6", "mẹ tôi uống hết cả lọ thuốc ngủ"),
    ("vi", "M1", "chong toi khong tho duoc"),
    ("vi", "M2", "bố tôi đau thắt ngực dữ dội"),
    ("vi", "M4", "bà tôi ngất xỉu, gọi mãi không dậy"),
    ("vi", "M5", "con tôi đang co giật"),
    ("vi", "H2", "chồng tôi đánh tôi"),
    ("tl", "S1", "iniisip kong magpakamatay"),
    ("tl", "S2", "gusto ko nang mamatay"),
    ("tl", "S5", "sinasaktan ko ang sarili ko"),
    ("tl", "S6", "ininom ng tatay ko lahat ng gamot niya"),
    ("tl", "M1", "hindi makahinga ang anak ko"),
    ("tl", "M2", "inaatake sa puso si lolo"),
    ("tl", "M4", "nawalan ng malay ang asawa ko"),
    ("tl", "H2", "binubugbog ako ng asawa ko"),
    ("ar", "S1", "أفكر في الانتحار كل يوم"),
    ("ar", "S2", "أريد أن أموت"),
    ("ar", "S5", "ابني يجرح نفسه"),
    ("ar", "S6", "أمي بلعت علبة الحبوب كاملة"),
    ("ar", "M1", "زوجي لا يتنفس"),
    ("ar", "M2", "عندي ألم شديد في صدري"),
    ("ar", "M4", "أبي فاقد الوعي"),
    ("ar", "H2", "زوجي يضربني ويهددني بالقتل"),
    ("ur", "S1", "میں خودکشی کرنا چاہتا ہوں"),
    ("ur", "S2", "میں مرنا چاہتی ہوں"),
    ("ur", "S5", "میرے بیٹے نے اپنی کلائی کاٹ لی"),
    ("ur", "S6", "میری امی نے ساری گولیاں کھا لیں"),
    ("ur", "M1", "ابو کو سانس نہیں آ رہی"),
    ("ur", "M2", "میرے شوہر کے سینے میں شدید درد ہو رہا ہے"),
    ("ur", "M4", "امی بے ہوش ہو گئی ہیں"),
    ("ur", "H2", "میرا شوہر مجھے مارتا ہے"),
    ("ur-Latn", "S1", "main khudkushi karna chahta hun"),
    ("ur-Latn", "H2", "mera shohar mujhe maarta hai"),
    ("ur-Latn", "M4", "abbu behosh ho gaye"),
    ("hi", "S1", "मैं आत्महत्या करना चाहता हूँ"),
    ("hi", "S2", "मेरा जीने का मन नहीं करता"),
    ("hi", "S5", "मैंने फिर से खुद को चोट पहुँचाई"),
    ("hi", "S6", "दादी ने सारी गोलियां खा लीं"),
    ("hi", "M1", "पापा को साँस नहीं आ रही"),
    ("hi", "M2", "मेरे पति के सीने में तेज़ दर्द हो रहा है"),
    ("hi", "M4", "माँ बेहोश हो गई"),
    ("hi", "M5", "भाई को मिर्गी का दौरा पड़ रहा है"),
    ("hi", "H2", "मेरा पति मुझे रोज़ मारता है"),
    ("hi-Latn", "S2", "main marna chahta hu"),
    ("hi-Latn", "M1", "papa ko saans nahi aa rahi"),
    ("hi-Latn", "M2", "mummy ke seene mein bahut dard ho raha hai"),
    ("ru", "S1", "я хочу покончить с собой"),
    ("ru", "S2", "не хочу больше жить"),
    ("ru", "S5", "моя дочь режет себе руки"),
    ("ru", "S6", "муж выпил все таблетки снотворного"),
    ("ru", "M1", "он не дышит"),
    ("ru", "M2", "у мамы сильная боль в груди"),
    ("ru", "M4", "отец потерял сознание"),
    ("ru", "M5", "у сына начались судороги"),
    ("ru", "H2", "муж бьёт меня"),
    ("pl", "S1", "chcę się zabić"),
    ("pl", "S2", "nie chcę już żyć"),
    ("pl", "S5", "znowu się tnę"),
    ("pl", "S6", "mama połknęła wszystkie tabletki nasenne"),
    ("pl", "M1", "mąż nie oddycha"),
    ("pl", "M2", "chyba mam zawał"),
    ("pl", "M4", "tata stracił przytomność"),
    ("pl", "M5", "syn ma atak padaczki"),
    ("pl", "H2", "mąż mnie bije"),
    ("ht", "S1", "mwen vle touye tèt mwen"),
    ("ht", "S2", "mwen pa vle viv ankò"),
    ("ht", "S5", "pitit mwen an koupe ponyèt li"),
    ("ht", "S6", "manman m pran tout grenn li yo"),
    ("ht", "M1", "papa m pa ka respire"),
    ("ht", "M2", "mari m gen yon gwo doulè nan pwatrin li"),
    ("ht", "M4", "li pèdi konesans"),
    ("ht", "M5", "pitit mwen ap fè kriz"),
    ("ht", "H2", "mari m bat mwen"),
]

ORDINARY = [
    ("es", "¿la ketamina puede causar convulsiones?"),
    ("es", "me muero de ganas de probar la infusión"),
    ("es", "este dolor me va a matar, ¿la ketamina ayuda?"),
    ("es", "no quiero morir por culpa de un mal tratamiento, ¿es seguro?"),
    ("es", "¿qué pasa si alguien toma una sobredosis de ketamina?"),
    ("pt", "a cetamina pode causar convulsões?"),
    ("pt", "essa dor nas costas vai me matar, a cetamina ajuda?"),
    ("pt", "morrendo de vontade de saber quanto custa"),
    ("pt", "já tomei todos os remédios que o médico passou e nada funcionou"),
    ("fr", "cette douleur va me tuer, la kétamine peut aider ?"),
    ("fr", "je meurs d'envie d'essayer"),
    ("fr", "est-ce que je serai inconscient pendant la perfusion ?"),
    ("fr", "ce qui m'a frappé, c'est le prix"),
    ("de", "Kann Ketamin Krampfanfälle auslösen?"),
    ("de", "Die Rückenschmerzen bringen mich noch um"),
    ("de", "Ich sterbe vor Neugier, wie lange dauert eine Infusion?"),
    ("de", "Mein Schmerz reagiert nicht auf Medikamente, hilft Ketamin?"),
    ("it", "la ketamina può dare convulsioni?"),
    ("it", "muoio dalla voglia di provare"),
    ("it", "questo mal di schiena mi uccide"),
    ("it", "sarò incosciente durante l'infusione?"),
    ("zh", "疼死我了，氯胺酮能止痛吗？"),
    ("zh", "氯胺酮会引起抽搐吗？"),
    ("zh", "想死你了！"),
    ("zh", "用药过量会有什么症状？"),
    ("zh", "我不想死，打针会痛吗？"),
    ("zh-Hant", "痛死了，K他命可以止痛嗎？"),
    ("zh-Hant", "氯胺酮會不會造成呼吸困難？"),
    ("ja", "死ぬほど痛いです。ケタミンは効きますか？"),
    ("ja", "ケタミンでけいれんを起こすことはありますか？"),
    ("ja", "点滴中は意識がないのですか？"),
    ("ja", "お腹すいて死にそう"),
    ("ko", "아파 죽겠어요, 케타민이 도움이 될까요?"),
    ("ko", "케타민 맞으면 경련이 올 수 있나요?"),
    ("ko", "치료 중에 의식이 없나요?"),
    ("ko", "배고파 죽겠다"),
    ("ko", "주사를 맞았어요, 언제 효과가 나요?"),
    ("vi", "ketamine có gây co giật không?"),
    ("vi", "đau muốn chết, ketamine có giúp không?"),
    ("vi", "tôi muốn tư vấn về truyền ketamine"),
    ("vi", "tôi muốn từ từ giảm liều"),
    ("vi", "quá liều ketamine có nguy hiểm không?"),
    ("tl", "pwede bang magdulot ng seizure ang ketamine?"),
    ("tl", "parang mamamatay na ako sa sakit ng likod ko"),
    ("tl", "magiging walang malay ba ako habang infusion?"),
    ("ar", "هل يسبب الكيتامين نوبات صرع؟"),
    ("ar", "الألم يقتلني، هل يساعد الكيتامين؟"),
    ("ar", "ماذا يحدث عند تناول جرعة زائدة؟"),
    ("ar", "ضربتني الشمس أمس، هل أستطيع أخذ الجلسة؟"),
    ("ur", "کیا کیٹامین سے دورے پڑ سکتے ہیں؟"),
    ("ur", "درد سے جان نکل رہی ہے"),
    ("ur-Latn", "kya ketamine se behosh ho jaate hain?"),
    ("ur-Latn", "mujhe behoshi ki dawa se dar lagta hai, kya ye zaroori hai?"),
    ("hi", "क्या केटामाइन से दौरे पड़ सकते हैं?"),
    ("hi", "क्या सीने में दर्द हो सकता है?"),
    ("hi", "क्या मैं बेहोश हो जाऊंगा?"),
    ("hi-Latn", "kya infusion ke dauran behosh ho jaunga?"),
    ("hi-Latn", "bill dekh ke heart attack aate aate bacha"),
    ("ru", "может ли кетамин вызвать судороги?"),
    ("ru", "буду ли я без сознания во время капельницы?"),
    ("ru", "у меня судороги в ногах по ночам, это от кетамина?"),
    ("ru", "я не хочу умереть от передозировки, это безопасно?"),
    ("pl", "czy ketamina może spowodować przedawkowanie?"),
    ("pl", "czy ketamina może wywołać drgawki?"),
    ("pl", "ten ból mnie zabije"),
    ("pl", "boli mnie od wczoraj"),
    ("pl", "czy będę nieprzytomny podczas wlewu?"),
    ("ht", "èske ketamin ka bay kriz?"),
    ("ht", "doulè sa a ap touye m"),
    ("ht", "èske m ap pèdi konesans pandan perfizyon an?"),
    # treatment words, general questions and past history (B2-B4)
    ("es", "¿es normal sentir presión en el pecho durante la infusión?"),
    ("es", "me pegó fuerte la gripe, ¿puedo ir a la sesión?"),
    ("fr", "est-ce qu'on perd connaissance pendant la séance ?"),
    ("fr", "mon genou ne bouge plus comme avant, la kétamine aide ?"),
    ("de", "Werde ich während der Infusion bewusstlos sein?"),
    ("it", "mi manca l'aria quando salgo le scale, dipende dalla ketamina?"),
    ("ar", "انهار الاقتصاد وأنا قلق جدا من التكاليف"),
    ("zh", "我以前心脏病发作过，现在能用氯胺酮吗？"),
    ("ja", "以前に自傷していたことがありますが、治療を受けられますか？"),
    ("ko", "작년에 쓰러졌는데 케타민 괜찮을까요?"),
    ("vi", "bố tôi bị nhồi máu cơ tim 5 năm trước, có truyền được không?"),
    ("tl", "inatake sa puso ang tatay ko noong 2019, pwede ba siya?"),
    ("ur", "مجھے پانچ سال پہلے دل کا دورہ پڑا تھا، کیا میں یہ علاج کروا سکتا ہوں؟"),
    ("hi", "मुझे 2019 में दिल का दौरा पड़ा था, क्या मैं ले सकता हूँ?"),
    ("ru", "я раньше резала себе руки, это помешает лечению?"),
    ("pl", "raz zemdlałem przy pobieraniu krwi, czy to problem?"),
    ("ht", "pitit mwen gen malkadi, èske li ka pran tretman an?"),
]

HISTORY_THEN_NOW = [
    "hace dos años intenté matarme y ahora quiero matarme otra vez",
    "antes me cortaba y anoche me volví a cortar los brazos",
    "vor zwei Jahren hatte ich einen Herzinfarkt und jetzt habe ich wieder Druck auf der Brust",
    "以前我也想过自杀，现在又想自杀了",
    "예전에 자해했었는데 오늘 또 자해를 했어요",
    "раньше я резала руки, а сегодня снова режу себе руки",
    "kiedyś się cięłam, a dziś znowu się tnę",
    "saal pehle bhi socha tha, ab phir se marna chahta hu",
]


@pytest.mark.parametrize("lang,row,message", CRISES)
def test_crisis_in_other_languages_is_a_rule_emergency(lang: str, row: str, message: str) -> None:
    assert RULES.check(message).emergency, (lang, row, RULES.prepare(message))


@pytest.mark.parametrize("lang,message", ORDINARY)
def test_ordinary_questions_and_idioms_are_not_rule_emergencies(lang: str, message: str) -> None:
    assert RULES.check(message).emergency is None, (lang, RULES.prepare(message))


@pytest.mark.parametrize("message", HISTORY_THEN_NOW)
def test_past_history_does_not_hide_a_crisis_now(message: str) -> None:
    assert RULES.check(message).emergency, RULES.prepare(message)


@pytest.mark.parametrize("message", ["я раньше резала себе руки, это помешает лечению?",
                                     "작년에 쓰러졌는데 케타민 괜찮을까요?"])
def test_past_history_in_other_languages_is_answered_with_a_crisis_line(message: str) -> None:
    verdict = RULES.check(message)
    assert verdict.emergency is None and verdict.history


def test_every_language_has_crises_and_ordinary_messages() -> None:
    for lang in {lang for lang, _, _ in CRISES}:
        assert sum(c[0] == lang for c in CRISES) >= 3, lang
    for lang in {lang for lang, _ in ORDINARY}:
        assert sum(o[0] == lang for o in ORDINARY) >= 2, lang


def test_patterns_are_folded_like_the_message() -> None:
    # accents, look-alike Cyrillic, Hangul (as jamo) and Japanese voicing marks read the same in both
    for written in ("quiero morir", "хочу умереть", "죽고 싶", "飲んだ", "đau", "połknęła"):
        assert RULES.prepare(written) == fold_pattern(written).replace("(?:", "").replace(")", "")
    assert fold_pattern("싶?") == "(?:" + RULES.prepare("싶") + ")?"  # a quantifier keeps all of the letter


def test_a_letter_that_folds_to_several_is_refused_in_a_class() -> None:
    with pytest.raises(ValueError, match="inside"):
        fold_pattern("[싶다]")


def test_english_slang_and_typo_fixes_are_not_applied_to_other_languages() -> None:
    assert "overdose" not in RULES.prepare("boli mnie od wczoraj, czy ketamina pomoże?")
    assert "convulsing" not in RULES.prepare("la ketamina può causare convulsioni?")
    assert RULES.prepare("i cant breath") == "i can not breath"  # English keeps them
