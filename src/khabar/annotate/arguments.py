"""The event argument rules: who acts, who receives, where and when, from the entities around a trigger.

Arguments follow Arabic word order with simple, cautious rules: an argument is left out
rather than guessed. The rules read each word as a few flags (a title, «ونظيره», a clause
opening ...), worked out once per word with its trigger readings (``khabar.annotate.events``).
"""

from __future__ import annotations

from khabar.annotate.argument_context import TriggerContext
from khabar.annotate.argument_tables import Following
from khabar.annotate.argument_words import ACTORS, PLACES, PROTESTERS, UNLOCATED

# the three argument modules share one declaration, made with the words
from khabar.annotate.argument_words import LABELS as LABELS
from khabar.annotate.labels import (
    ACTOR,
    GPE,
    MOBILIZE,
    PER,
    PLACE,
    PROTEST,
    RECIPIENT,
    WHEN,
)
from khabar.annotate.tokens import Candidate
from khabar.annotate.triggers import Trigger


def arguments(
    ctx: TriggerContext,
    i: int,
    j: int,
    trigger: Trigger,
    inherited: tuple[Candidate | None, Candidate | None],
    shared: tuple[Candidate | None, Candidate | None] = (None, None),
) -> tuple[tuple[str, Candidate], ...]:
    """The arguments of the trigger on words i..j-1 (``inherited``: the actor and recipient
    of the threat or demand it is the action of; ``shared``: the actor and time of the verb
    it is joined to, where it names none of its own)."""
    actor: Candidate | None = None
    recipient: Candidate | None = None
    after, time = ctx.after(j)
    if time is None:
        time = ctx.time_before(i)
    pair = ctx.between(j)
    if pair is not None:
        actor, recipient = pair
    elif trigger.undergoer:
        # «أصيب X»، «X استشهد»، «مقتل X»، «اعتقال X»: who undergoes it is the Recipient; the
        # Actor only when named as one («على يد X»، «من قبل X»)
        first = after[0] if after else None
        if first is not None and first.marker == "" and first.distance <= (1 if trigger.verb else 0):
            recipient = first.entity
        elif trigger.verb:
            recipient = ctx.before(i, reach=3)
        actor = next((f.entity for f in after if f.agent), None)
    else:
        subject = ctx.before(i, reach=3 if trigger.verb else 1)
        first = after[0] if after else None
        if (
            first is not None
            and first.after_title
            and first.entity.label == GPE
            and len(after) > 1
            and after[1].entity.label == PER
            and after[1].distance == first.distance
        ):
            first = after[1]  # «أمير قطر الشيخ تميم»: the country belongs to the title
        plural = trigger.verb and ctx.doc.t.texts[i].endswith(("وا", "ون"))
        if first is not None and first.agent:
            actor = first.entity  # «... من قبل الجنود»
        elif first is not None and first.marker == "" and first.distance <= 1:
            if first.counterpart:
                recipient = first.entity  # «اتصالا هاتفيا بنظيره الإسرائيلي ...»
                actor = subject
            elif first.after_title and first.entity.label != PER:
                recipient = first.entity  # «حث الرئيس الأمريكي روسيا»: the actor is only a title
            elif (subject is not None or plural or _unnamed_subject(ctx, j, first)) and trigger.verb:
                # «أمريكا تهدد روسيا»; «طالبوا الحكومة»: the subject is in the verb; «اختطف
                # مجهولون القس سعد سيروب»: a subject no entity names
                actor, recipient = subject, first.entity
            else:
                actor = first.entity
                recipient = next(
                    (f.entity for f in after[1:] if f.marker in ("ل", "prep") or f.counterpart), None
                )
                second = after[1] if len(after) > 1 else None
                if (
                    recipient is None
                    and trigger.verb
                    and second is not None
                    and second.distance == first.distance
                    and second.marker == ""
                    and not second.of.conjoined
                ):
                    recipient = second.entity  # «دعا أنان إسرائيل»: verb, subject, object
        elif first is not None and first.marker == "ل" and first.distance == 0 and not trigger.verb:
            actor = first.entity  # «نشر المعدات العسكرية للناتو»، «اجتماع لمجلس ...»
        else:
            actor = subject
            marked = next((f.entity for f in after if f.marker in ("ل", "prep")), None)
            recipient = marked
    if inherited != (None, None):
        actor, recipient = inherited  # the threatened action: who threatens whom
    if actor is None and shared[0] is not recipient:
        actor = shared[0]
    if actor is None and not trigger.verb and not trigger.undergoer:
        actor = ctx.governing_subject(i)  # «وتشارك كوريا الشمالية في محادثات»
        if actor is recipient:
            actor = None
    if time is None:
        time = shared[1]
    place = None if trigger.type in UNLOCATED else ctx.place(i, j, trigger.type == MOBILIZE)
    if recipient is place:
        recipient = None  # «إرسال قوات إلى العراق»: where they go
    found: list[tuple[str, Candidate]] = []
    actors = PROTESTERS if trigger.type == PROTEST else ACTORS
    alone = pair is not None  # «بين X وY»: the second is the Recipient, not another Actor
    if actor is not None and actor.label in actors:
        joined = [actor] if alone else ctx.conjoined(actor, actors)
        found += [(ACTOR, c) for c in joined if c is not recipient]
    if recipient is not None and recipient.label in ACTORS and recipient is not actor:
        joined = [recipient] if alone else ctx.conjoined(recipient, ACTORS)
        found += [(RECIPIENT, c) for c in joined if all(c is not o for _, o in found)]
    if time is not None and all(time is not other for _, other in found):
        found.append((WHEN, time))
    if place is not None:  # «في مدينتي نابلس ورام الله»: places joined by و are all where
        found += [(PLACE, c) for c in ctx.conjoined(place, PLACES) if all(c is not o for _, o in found)]
    return tuple(found)


def _unnamed_subject(ctx: TriggerContext, j: int, first: Following) -> bool:
    """Whether the one word between a verb and the entity after it is a subject in the
    plural nominative («اختطف مجهولون القس سعد سيروب»): the
    entity is then the object."""
    texts = ctx.doc.t.texts
    return first.distance == 1 and j < first.of.first and texts[j].endswith("ون") and ctx.doc.last[j] is None
