"""The scheme's names the rules produce and read, spelled once in code, and their check.

schemas/scheme.yaml is where a label is defined. The rules cannot take their labels from
it at run time (a rule that finds people needs to know which label means a person), so
each rule module imports the names it uses from here and declares them, once, at its top,
in a :class:`RuleLabels`; ``Annotator.load`` checks every declaration against the
project's scheme and fails with a :class:`~khabar.errors.SchemeError` naming the rule
module and the missing name. Renaming a label in the scheme therefore renames it here
too, or loading says what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from khabar.errors import SchemeError

# entity labels
PER: Final = "PER"
ORG: Final = "ORG"
GPE: Final = "GPE"
LOC: Final = "LOC"
FAC: Final = "FAC"
NORP: Final = "NORP"
DATE: Final = "DATE"
TIME: Final = "TIME"
MONEY: Final = "MONEY"
#: the labels of names (a nationality, a date or an amount is no name)
NAMES: Final = frozenset({PER, ORG, GPE, LOC, FAC})

# event types some rules treat apart (every type a trigger can have comes from the lexicon)
THREATEN: Final = "THREATEN"
REQUEST: Final = "REQUEST"
PROTEST: Final = "PROTEST"
SANCTION: Final = "SANCTION"
ASSAULT: Final = "ASSAULT"
MOBILIZE: Final = "MOBILIZE"
COERCE: Final = "COERCE"
ACCUSE: Final = "ACCUSE"
REJECT: Final = "REJECT"
SUPPORT: Final = "SUPPORT"
CONCEDE: Final = "CONCEDE"

# argument roles
ACTOR: Final = "Actor"
RECIPIENT: Final = "Recipient"
PLACE: Final = "Place"
WHEN: Final = "Time"  # the role Time (TIME is the entity label)


@dataclass(frozen=True, slots=True)
class RuleLabels:
    """The scheme's names one rule module produces or reads, with who it is for messages."""

    rules: str  # as a user reads it: "the entity rules"
    module: str  # its ``__name__``
    produces: tuple[str, ...] = ()  # entity labels its spans get
    reads: tuple[str, ...] = ()  # entity labels it looks at (cues, argument fillers)
    events: tuple[str, ...] = ()  # event types it treats apart
    roles: tuple[str, ...] = ()  # argument roles it gives

    def check(self, entities: Iterable[str], events: Iterable[str], roles: Iterable[str], where: str) -> None:
        """Fail unless ``where`` (the scheme) defines every name these rules use."""
        kinds = (
            ("produce", "entity label", self.produces, set(entities)),
            ("read", "entity label", self.reads, set(entities)),
            ("use", "event type", self.events, set(events)),
            ("give", "role", self.roles, set(roles)),
        )
        for verb, kind, names, defined in kinds:
            for name in names:
                if name not in defined:
                    article = "an" if kind[0] in "ae" else "a"
                    path = self.module.replace(".", "/") + ".py"
                    raise SchemeError(
                        f"{self.rules} ({self.module}) {verb} {name}, which {where} does not"
                        f" define as {article} {kind}",
                        hint=f"add {name} to {where}, or change the rules in src/{path}",
                    )
