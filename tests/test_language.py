"""briefing.text.language: the script shortcut, py3langid's model behind it, and the edges that
decide whether an article is rejected (short text undecided, quotes in another script ignored).
Every paragraph here was written for this test: one ordinary local-news story told in each
language, so the languages are told apart by their words, not by their topics."""

from __future__ import annotations

import subprocess
import sys

import pytest

from briefing.text.language import detect_language, language_name

# The same council-budget story in each language, three or four sentences.
PARAGRAPHS = {
    "en": (
        'The city council approved a new budget on Tuesday after a long debate about public '
        'transport. The plan adds more buses on the busiest routes and repairs several bridges '
        'that have been closed since the spring floods. The mayor said the changes would be paid '
        'for without raising local taxes. Opposition members argued that the estimates were too '
        'optimistic and asked for an independent review.'
    ),
    "sv": (
        'Kommunfullmäktige godkände på tisdagen en ny budget efter en lång debatt om '
        'kollektivtrafiken. Planen innebär fler bussar på de mest trafikerade linjerna och att '
        'flera broar som har varit stängda sedan vårens översvämningar ska repareras. '
        'Kommunstyrelsens ordförande sade att förändringarna ska betalas utan att kommunalskatten'
        ' höjs. Oppositionen menade att beräkningarna var alltför optimistiska och krävde en '
        'oberoende granskning.'
    ),
    "id": (
        'Dewan kota menyetujui anggaran baru pada hari Selasa setelah perdebatan panjang tentang '
        'transportasi umum. Rencana tersebut menambah jumlah bus di rute yang paling padat dan '
        'memperbaiki beberapa jembatan yang ditutup sejak banjir musim hujan. Wali kota '
        'mengatakan bahwa perubahan ini akan dibiayai tanpa menaikkan pajak daerah. Anggota '
        'oposisi menilai perkiraan itu terlalu optimis dan meminta agar dilakukan tinjauan '
        'independen.'
    ),
    "tr": (
        'Belediye meclisi, toplu taşıma konusundaki uzun bir tartışmanın ardından salı günü yeni '
        'bütçeyi onayladı. Plan, en yoğun hatlara daha fazla otobüs eklenmesini ve bahar '
        'sellerinden bu yana kapalı olan birkaç köprünün onarılmasını öngörüyor. Belediye '
        'başkanı, değişikliklerin yerel vergiler artırılmadan karşılanacağını söyledi. Muhalefet '
        'üyeleri ise tahminlerin fazla iyimser olduğunu savunarak bağımsız bir inceleme '
        'yapılmasını istedi.'
    ),
    "cs": (
        'Městské zastupitelstvo v úterý po dlouhé debatě o veřejné dopravě schválilo nový '
        'rozpočet. Plán počítá s více autobusy na nejvytíženějších linkách a s opravou několika '
        'mostů, které jsou uzavřené od jarních povodní. Primátor uvedl, že změny budou zaplaceny '
        'bez zvýšení místních daní. Opoziční zastupitelé namítli, že odhady jsou příliš '
        'optimistické, a požádali o nezávislou kontrolu.'
    ),
    "pt": (
        'A câmara municipal aprovou na terça-feira um novo orçamento depois de um longo debate '
        'sobre os transportes públicos. O plano acrescenta mais autocarros nas linhas mais '
        'movimentadas e prevê a reparação de várias pontes que estão fechadas desde as cheias da '
        'primavera. O presidente da câmara afirmou que as mudanças serão pagas sem aumentar os '
        'impostos locais. Os vereadores da oposição consideraram as estimativas demasiado '
        'otimistas e pediram uma análise independente.'
    ),
    "ro": (
        'Consiliul local a aprobat marți un nou buget, după o dezbatere lungă despre transportul '
        'public. Planul prevede mai multe autobuze pe cele mai aglomerate trasee și repararea mai'
        ' multor poduri care sunt închise de la inundațiile din primăvară. Primarul a declarat că'
        ' schimbările vor fi finanțate fără creșterea taxelor locale. Consilierii din opoziție au'
        ' susținut că estimările sunt prea optimiste și au cerut o evaluare independentă.'
    ),
    "fr": (
        'Le conseil municipal a approuvé mardi un nouveau budget après un long débat sur les '
        'transports publics. Le plan prévoit davantage de bus sur les lignes les plus fréquentées'
        ' et la réparation de plusieurs ponts fermés depuis les inondations du printemps. Le '
        'maire a déclaré que ces changements seraient financés sans augmenter les impôts locaux. '
        "Les élus de l'opposition ont jugé les prévisions trop optimistes et ont demandé un "
        'examen indépendant.'
    ),
    "de": (
        'Der Stadtrat hat am Dienstag nach einer langen Debatte über den öffentlichen Nahverkehr '
        'einen neuen Haushalt beschlossen. Der Plan sieht mehr Busse auf den am stärksten '
        'genutzten Linien vor und die Reparatur mehrerer Brücken, die seit dem Hochwasser im '
        'Frühjahr gesperrt sind. Der Bürgermeister sagte, die Änderungen würden ohne eine '
        'Erhöhung der kommunalen Steuern finanziert. Die Opposition hielt die Schätzungen für zu '
        'optimistisch und forderte eine unabhängige Prüfung.'
    ),
    "es": (
        'El ayuntamiento aprobó el martes un nuevo presupuesto tras un largo debate sobre el '
        'transporte público. El plan añade más autobuses en las líneas más concurridas y prevé '
        'reparar varios puentes que permanecen cerrados desde las inundaciones de la primavera. '
        'El alcalde afirmó que los cambios se pagarán sin subir los impuestos municipales. Los '
        'concejales de la oposición consideraron que las previsiones eran demasiado optimistas y '
        'pidieron una revisión independiente.'
    ),
    "ru": (
        'Городской совет во вторник после долгих споров об общественном транспорте утвердил новый'
        ' бюджет. План предусматривает больше автобусов на самых загруженных маршрутах и ремонт '
        'нескольких мостов, закрытых после весеннего наводнения. Мэр заявил, что изменения будут '
        'оплачены без повышения местных налогов. Депутаты от оппозиции сочли расчёты слишком '
        'оптимистичными и потребовали независимой проверки.'
    ),
    "uk": (
        'Міська рада у вівторок після тривалої дискусії про громадський транспорт ухвалила новий '
        'бюджет. План передбачає більше автобусів на найзавантаженіших маршрутах і ремонт кількох'
        ' мостів, які закриті після весняної повені. Міський голова заявив, що зміни оплатять без'
        ' підвищення місцевих податків. Депутати від опозиції вважають розрахунки надто '
        'оптимістичними й вимагають незалежної перевірки.'
    ),
}

ENGLISH_OTHER_TOPICS = [
    "Heavy rain is expected across the north of the country this weekend, and forecasters "
    "have warned drivers to allow extra time for their journeys. Several rivers are already "
    "close to their banks after a wet month. The rail operator said it would run a reduced "
    "timetable on Saturday and advised passengers to check before they travel.",
    "The home side came from two goals down to win the cup final in the last minute of extra "
    "time. Their captain, who had missed a penalty early in the match, scored the winner with "
    "a header from a corner. Thousands of supporters stayed in the stadium long after the "
    "whistle, and the celebrations in the town centre went on until morning.",
]

# Mostly English, with a quote or a name in another language or script.
MIXED_ENGLISH = [
    "Residents of Kharkiv spent another night in shelters as air raid sirens sounded across "
    "the region. A local teacher, standing outside her damaged school, told reporters: "
    "\u00abМи не здамося, ми відбудуємо все, що вони зруйнували\u00bb. Officials said the "
    "repairs would start next week once engineers had checked the building. The school hopes "
    "to reopen before the end of the month.",
    "Talks in Geneva ended without an agreement on Thursday, diplomats said. The Russian "
    "delegation was led by Сергей Лавров, who left the building without speaking to "
    "journalists. Western officials described the meeting as difficult but useful and said a "
    "new round could take place in the spring. Markets barely moved on the news.",
    "The exhibition opens in Paris next month and brings together more than two hundred "
    "paintings from private collections. Its curator described it as \u00ab une fenêtre sur "
    "un siècle de peinture oubliée \u00bb. Tickets go on sale on Monday, and the museum "
    "expects long queues during the first weeks.",
]


@pytest.mark.parametrize("code", sorted(PARAGRAPHS))
def test_each_language_is_identified(code):
    assert detect_language(PARAGRAPHS[code]) == code


@pytest.mark.parametrize("code", sorted(PARAGRAPHS))
def test_the_first_sentence_or_two_are_enough(code):
    opening = " ".join(PARAGRAPHS[code].split()[:22])
    assert detect_language(opening) == code


@pytest.mark.parametrize("code", ["sv", "id", "tr"])
def test_languages_the_old_word_lists_took_for_english_are_not_english(code):
    assert detect_language(PARAGRAPHS[code]) not in (None, "en")


@pytest.mark.parametrize("text", ENGLISH_OTHER_TOPICS)
def test_english_on_other_topics_is_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", MIXED_ENGLISH)
def test_english_with_a_foreign_quote_or_name_is_english(text):
    assert detect_language(text) == "en"


def test_a_long_cyrillic_quote_does_not_outweigh_the_english_around_it():
    # py3langid alone calls this Ukrainian (Cyrillic letters are two bytes each in the
    # n-grams it scores), although most of its letters are English ones.
    quote = ". ".join(PARAGRAPHS["uk"].split(". ")[:2])
    text = ("The minister spoke briefly after the meeting in the capital on Monday evening, "
            "flanked by two deputies and the head of the regional administration. " + quote +
            ". He did not take questions, and his office said a written statement would follow "
            "later in the day. The opposition called the plan rushed.")
    assert detect_language(text) == "en"


def test_a_text_mostly_in_cyrillic_is_judged_by_its_cyrillic():
    text = PARAGRAPHS["uk"] + " Reuters, BBC News and the Associated Press reported it too."
    assert detect_language(text) == "uk"


@pytest.mark.parametrize("text", [
    "",
    "The council approved the budget.",
    "Kommunfullmäktige godkände budgeten på tisdagen.",
    "Рада ухвалила бюджет.",
    "12 345 67.8 2024-03-05 --- *** !!!",
])
def test_short_text_is_undecided(text):
    assert detect_language(text) is None


def test_min_words_is_honoured():
    sentence = "The council approved a new budget on Tuesday after a long debate."
    assert detect_language(sentence) is None
    assert detect_language(sentence, min_words=5) == "en"


@pytest.mark.parametrize(("text", "code"), [
    ("Η κυβέρνηση ανακοίνωσε σήμερα νέα μέτρα για τη στήριξη των νοικοκυριών και των "
     "μικρών επιχειρήσεων.", "el"),
    ("市议会周二在就公共交通进行长时间辩论后批准了新的预算方案，计划增加公交车。"
     "市长表示，这些改变不会提高地方税收。", "zh"),
    ("市議会は火曜日、公共交通についての長い議論の末に新しい予算を承認しました。"
     "市長は、地方税を上げずに費用をまかなうと述べました。", "ja"),
])
def test_other_scripts_are_decided_by_the_script(text, code):
    assert detect_language(text) == code


def test_language_names():
    assert language_name("de") == "German (de)"
    assert language_name("sv") == "Swedish (sv)"
    assert language_name("cs") == "Czech (cs)"
    assert language_name("xx") == "xx"


def test_importing_does_not_load_the_model():
    # `briefing --help` imports the cleaning stage's module chain; numpy and the model
    # must wait until an article is checked.
    code = ("import sys, briefing.text.clean, briefing.text.language as l; "
            "print(l._identifier is None, 'py3langid' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False", "False"]


def test_the_model_read_in_memory_is_py3langids():
    # The in-memory reading must give what py3langid's own loader gives, array for array.
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    from briefing.text.language import _load_model

    for mine, theirs in zip(_load_model(), load_model(MODEL_DIR / MODEL_FILE), strict=True):
        if isinstance(theirs, np.ndarray):
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
        else:
            assert type(mine) is type(theirs) and mine == theirs


def test_a_preloaded_model_decides_as_one_loaded_on_use():
    # preload() loads on another thread; a detection started while it loads waits for it.
    code = ("import briefing.text.language as l, sys; l.preload(); l.preload(); "
            "print(l.detect_language(sys.argv[1]), l.detect_language(sys.argv[2]))")
    out = subprocess.run([sys.executable, "-c", code, PARAGRAPHS["en"], PARAGRAPHS["sv"]],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["en", "sv"]
