"""The words the argument rules read around a trigger: markers of places, directions,
destinations, recipients and clauses, and the labels each role may take."""

from __future__ import annotations

from typing import Final

from khabar.annotate.labels import (
    ACCUSE,
    ACTOR,
    CONCEDE,
    DATE,
    FAC,
    GPE,
    LOC,
    MOBILIZE,
    NORP,
    ORG,
    PER,
    PLACE,
    PROTEST,
    RECIPIENT,
    REJECT,
    REQUEST,
    SANCTION,
    SUPPORT,
    THREATEN,
    TIME,
    WHEN,
    RuleLabels,
)

#: what the argument rules (this module, argument_context and arguments) read and produce
LABELS = RuleLabels(
    "the event argument rules",
    __name__,
    reads=(PER, ORG, GPE, NORP, DATE, TIME, LOC, FAC),
    events=(PROTEST, MOBILIZE, ACCUSE, REJECT, REQUEST, SUPPORT, CONCEDE, SANCTION, THREATEN),
    roles=(ACTOR, RECIPIENT, WHEN, PLACE),
)

#: events of saying and deciding: a place near them is where what they are about happens
#: («رفض نشر قوة دولية في دارفور»، «طالبت بالإفراج عن المعتقلين في إسرائيل»), so they get no
#: Place (the development set's annotators gave these types a Place once in 142 events)
UNLOCATED: Final = frozenset({ACCUSE, REJECT, REQUEST, SUPPORT, CONCEDE, SANCTION, THREATEN})

# Final, here and in the rule modules: compiled, a Final name is a constant (an int
# folded in, a tuple or set in a C static), not a lookup in the module's dict at every use.
ACTORS: Final = (PER, ORG, GPE)
PROTESTERS: Final = (*ACTORS, NORP)  # protesters are groups
TIMES: Final = (DATE, TIME)
PLACES: Final = (GPE, LOC, FAC)
# Words that may stand between a trigger and its actor: titles, nationalities, guillemets.
BRIDGE_LABELS: Final = (NORP,)
RECIPIENT_PREPOSITIONS: Final = frozenset({"علي", "ضد", "الي", "مع"})  # normalised
CLAUSE_STARTS: Final = frozenset({"ان", "بان", "لان", "وان", "الذي", "التي", "الذين"})

#: what a word is to the argument and realis rules, a bit mask per word
TITLE: Final = 1
COUNTERPART: Final = 2
CLAUSE: Final = 4
NEUTRAL: Final = 8
IRREALIS: Final = 16
LOCATIVE: Final = 32
DESCRIPTOR: Final = 64
DIRECTION: Final = 128
DESTINATION: Final = 256
OWNED: Final = 512  # a house, office, car or convoy: whose it is undergoes the event

# Words that put a place after them (normalised by the event finder, proclitics allowed):
# a preposition of place, a place descriptor (في مدينة X، بأنحاء X، مناطق متفرقة من X), a
# direction (شمال X, also the reference point of another place: «الموصل شمال العراق»).
LOCATIVE_WORDS = ("في", "فى", "قرب", "بالقرب", "داخل", "أمام")
DESCRIPTOR_WORDS = (
    "مدينة",
    "مدينتي",
    "مدن",
    "بلدة",
    "بلدات",
    "قرية",
    "قرى",
    "محافظة",
    "محافظات",
    "ولاية",
    "إقليم",
    "منطقة",
    "مناطق",
    "قضاء",
    "مخيم",
    "مخيمي",
    "مخيمات",
    "العاصمة",
    "حي",
    "أحياء",
    "أنحاء",
    "ضواحي",
    "أطراف",
    "متفرقة",
    "مختلف",
    "شوارع",
    "ميناء",
    "مطار",
    "سجن",
)
DIRECTION_WORDS = ("شمال", "جنوب", "شرق", "غرب", "وسط", "شمالي", "جنوبي", "شرقي", "غربي")
DESTINATION_WORDS = ("إلى", "الى", "الي")
# Words that start another phrase between a subject and the nominal trigger of its verb: a time
# or a cause («ساد الهدوء مدينة كربلاء بعد التوصل لاتفاق»), a speech verb (normalised)
PHRASE_OPENINGS: Final = frozenset(
    {
        *("بعد", "قبل", "خلال", "منذ", "ظل", "اثر", "عقب", "حول", "بسبب", "جراء"),
        *("قال", "قالت", "اضاف", "اضافت", "اكد", "اكدت", "اعلن", "اعلنت", "ذكر", "ذكرت"),
    }
)
#: how a place entity stands: introduced as a place, or the reference point of a direction
LOCATED: Final = 1
ANCHOR: Final = 2
