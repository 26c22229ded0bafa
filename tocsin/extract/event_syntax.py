"""Syntax-like heuristics around an event cue: is it told as having happened, and who did it to whom.

No parser ships with tocsin (no network, small install), so these rules work on the clause the
cue sits in: the text between the last clause break (";", a dash, a relative pronoun, a comma
before a conjunction) and the cue. A modal, a future, a negation or a condition in that span
makes the cue a possibility, not a report; an "If ..." sentence or a question reports nothing.
Roles follow word order the way English, French and Russian news prose writes them: the
subject is the entity nearest before an active cue inside its clause and not governed by a
preposition ("the support of Greece during the war": Greece is not the attacker), "by X" after
a passive cue is the actor, the object after the cue is the target.
"""
from __future__ import annotations

import re

# Where a clause ends. A comma alone is too frequent (lists of names) to end a clause.
_BREAK = re.compile(
    r"[;:()\[\]—–]|\s-\s|[.!?](?=\s)|,\s*(?:and|but|while|as|although|though|because|whereas|mais|et|alors que|но|а|и)\b|"
    r"(?<!\w)(?:which|who|whom|whose|that|where|when|while|whereas|although|because|if|unless|qui|que|qu'|dont|où|"
    r"si|котор\w+|что|чтобы|где|когда|если)(?!\w)",
    re.IGNORECASE,
)
# Inside the cue's clause, before the cue: the event is expected, wished, possible or asked for.
_MODAL = re.compile(
    r"(?<!\w)(?:would|could|might|may|will|shall|should|must|can|cannot|won't|'ll|hopes?|hoped|hoping|intends?|"
    r"intending|plans?|planning|seeks?|seeking|aims?|aiming|wants?|ready|prepared|going to|likely|set to|"
    r"efforts? to|attempts? to|in order to|so as to|considers?|upcoming|future|possible|possibly|"
    r"potential|risk of|threat of|expected|envisaged|proposed|proposal|pourrait|pourraient|pourra|devrait|"
    r"va|vont|espère|envisag\w*|prévu\w*|будет|будут|может|могут|мог\w*|долж\w+|планиру\w*|намер\w*|готов\w*|"
    r"собира\w*|возможн\w*)(?!\w)",
    re.IGNORECASE,
)
# Asking for an act is not the act; but "demanded the release of prisoners" presupposes the
# detention, so these only count against types whose event would be the requested act itself.
_DIRECTIVE = re.compile(
    r"(?<!\w)(?:calls? on|called on|calls? for|called for|urg\w+|demand\w*|appeal\w* to|asks?|asked|"
    r"appel\w* à|exhort\w*|призва\w*|призыва\w*|требу\w*|потребова\w*)(?!\w)",
    re.IGNORECASE,
)
# Offered aid is an event (the gold definition: "delivered or offered"): a modal does not void it.
_OFFERABLE = {"aid"}
_PRESUPPOSED = {"detention", "blockade", "displacement", "attack_on_civilians", "heritage_destruction"}
_NEGATION = re.compile(
    r"(?<!\w)(?:not|never|no|n't|without|neither|nor|failed to|refused to|ne|n'|pas|jamais|sans|не|нет|ни|никогда|"
    r"без)(?!\w)|n't(?!\w)",
    re.IGNORECASE,
)
_POSSIBLE_AFTER = re.compile(
    r"(?<!\w)(?:is|are|be|remains?|seems?)\s+(?:\w+\s+)?(?:possible|likely|unlikely|expected|feared|imminent|"
    r"probable|inevitable)(?!\w)|(?<!\w)(?:est|sont)\s+(?:possible|probable)s?(?!\w)|"
    r"(?<!\w)(?:возможн\w*|вероятн\w*|неизбежн\w*)(?!\w)", re.IGNORECASE)
_NONRESTRICTIVE = re.compile(r"^\s*,\s*(?:who|which|qui|котор\w+)(?!\w)[^,;:]{0,200},", re.IGNORECASE)
_RELATIVE_HEAD = re.compile(r"^[\s,]*(?:who|which|that|qui|котор\w+)(?!\w)", re.IGNORECASE)
_OPENS_CONDITION = re.compile(r"(?<!\w)(?:if|unless|whether|si|если|ли)\W*$", re.IGNORECASE)
_NEG_AFTER = re.compile(r"^\S+(?:\s+\S+)?\s+(?:never|not|no longer|did not|didn't|was not|wasn't|failed to|"
                        r"jamais|n'a|ne|не|никогда)(?!\w)", re.IGNORECASE)
# Main-clause verbs that make what follows a belief or a wondering, not a report.
_EPISTEMIC = re.compile(r"(?<!\w)(?:seems?|seemed|imagines?|imagined|wonders?|wondered|suppose[sd]?|assume[sd]?|"
                        r"semble|imagin\w+|кажется|представля\w*)(?!\w)", re.IGNORECASE)
_SCOPE_WORDS = 8
_COORDINATION = re.compile(r";|,\s*(?:and|but|yet|mais|et|но|а|и)(?!\w)", re.IGNORECASE)
# A sentence framed in the future ("In the near future, we look forward to hosting a summit").
_FUTURE_FRAME = re.compile(
    r"^\W*(?:in the (?:near |coming )?future|next (?:week|month|year)|tomorrow|à l'avenir|prochainement|"
    r"dans un proche avenir|в ближайшее время|в будущем)(?!\w)|(?<!\w)look(?:s|ing)? forward to(?!\w)",
    re.IGNORECASE)
# A short bracketed aside ("(UGAB)", "[capital of Azerbaijan]") does not end a clause.
# Nor does a dash-enclosed one ("organisations—including X and Y—are accusing").
_PAREN = re.compile(r"\s*(?:[(\[][^()\[\]]{1,40}[)\]]|[—–][^—–]{1,160}[—–])")
_CONDITIONAL_START = re.compile(r"^\W*(?:if|unless|even if|should|were|si|même si|если|если бы)(?!\w)", re.IGNORECASE)

# Words that put the following entity inside a prepositional phrase: not the clause's subject.
_PREP_BEFORE = re.compile(
    r"(?<!\w)(?:of|with|to|from|for|in|on|at|into|against|among|between|including|like|than|over|toward|towards|"
    r"about|de|du|des|avec|contre|pour|à|en|dans|entre|с|со|к|ко|от|для|в|во|на|против|между|о|об)"
    r"\s+(?:the\s+|la\s+|le\s+|les\s+|l'|l’)?$",
    re.IGNORECASE,
)
# Cues whose grammatical subject undergoes the event (people flee; nobody "flees" someone).
_UNDERGOER = re.compile(
    r"^(?:fled|flee|fleeing|left|abandon\w*|forced|displaced|uprooted|stranded|fui\w*|fuy\w*|бежал\w*|"
    r"вынужден\w*|покинул\w*)", re.IGNORECASE)


def clause_start(text: str, pos: int) -> int:
    """Offset where the clause holding ``pos`` begins."""
    start = 0
    for m in _BREAK.finditer(text, 0, pos):
        start = m.end()
    return start


def modality_penalty(text: str, cs: int, etype: str) -> float:
    """How much a cue at ``cs`` loses for being conditional, asked, wished, denied or future."""
    pen = 0.0
    if _CONDITIONAL_START.search(text) or _FUTURE_FRAME.search(text):
        pen += 0.4
    if text.rstrip(" \"'»”").endswith("?"):
        pen += 0.3
    lo = clause_start(text, cs)
    if lo and _OPENS_CONDITION.search(text[max(0, lo - 12):lo]):
        pen += 0.35  # "... if Azerbaijan attacks", "debate about whether the protest ..."
    # A modal governs the verb phrase right after it: look at the last few words only.
    # ... and not across a comma ("accept aid and not only from Armenia, the government agreed").
    window = " ".join(text[lo:cs].split()[-_SCOPE_WORDS:]).rsplit(",", 1)[-1]
    if etype in _PRESUPPOSED:
        # "should help free the prisoners": the modal governs the release, not the detention;
        # only a modal right before the cue ("may destroy churches") makes the event unreal.
        window = " ".join(window.split()[-3:])
    if _MODAL.search(window) and etype not in _OFFERABLE:
        pen += 0.4
    if etype not in _PRESUPPOSED and _DIRECTIVE.search(window):
        pen += 0.3
    if _NEGATION.search(window) or _NEG_AFTER.search(text[cs:cs + 60]):
        pen += 0.3
    # "attacks on Armenia are possible": the predicate after the cue makes it a possibility.
    after = text[cs:]
    nxt = _BREAK.search(after, 1)
    if _POSSIBLE_AFTER.search(after[: nxt.start() if nxt else len(after)]):
        pen += 0.35
    # "I would like to stress that we will never forget ... the war": a cue in a clause
    # subordinate to a wished, denied or future main clause is an aside, not a report.
    # (Negation there is no cue: "it is no coincidence that ..." asserts; and a relative clause
    # about a detention or blockade presupposes it whatever the main clause wishes.)
    first = _BREAK.search(text)
    if (first is not None and first.end() <= lo and etype not in _PRESUPPOSED
            and not _COORDINATION.search(text[first.start():lo])  # "X may protest, but Y attacked": two mains
            and (_MODAL.search(text[:first.start()]) or _EPISTEMIC.search(text[:first.start()]))):
        pen += 0.35
    return pen


def in_proper_name(text: str, cs: int, ce: int) -> bool:
    """A capitalised cue inside a run of capitalised words mid-sentence is part of a name
    ("Committee on Migration, Refugees and Displaced Persons"), not an event; a headline in
    title case is exempt."""
    if cs == 0 or not text[cs:cs + 1].isupper():
        return False
    words = re.findall(r"[^\W\d_][\w'’\-]*", text)
    if words and sum(w[0].isupper() for w in words) / len(words) > 0.6:
        return False
    nxt = re.match(r"\s+([^\W\d_][\w'’\-]*)", text[ce:])
    return bool(nxt and nxt.group(1)[0].isupper())


def is_undergoer_cue(cue: str) -> bool:
    return bool(_UNDERGOER.match(cue.strip()))


def can_be_subject(text: str, ent_start: int, ent_end: int, cue_start: int) -> bool:
    """An entity before the cue is its subject only inside the same clause and outside a
    prepositional phrase ("X's offensive" and "X launched an offensive" qualify)."""
    if _PREP_BEFORE.search(text[max(0, ent_start - 20):ent_start]):
        return False
    between = text[ent_end:cue_start]
    # "Pashinyan, who also spoke to ...": the relative pronoun stands for the entity before it.
    # "The Armenians of X, who fought for decades, left their homes": skip the enclosed relative.
    between = _NONRESTRICTIVE.sub(" ", _PAREN.sub(" ", between), count=1)
    between = _RELATIVE_HEAD.sub(" ", between, count=1)
    if _BREAK.search(between):
        return False
    return len(between.split()) <= 10


def can_be_object(text: str, cue_end: int, ent_start: int) -> bool:
    """An entity after the cue is its object (or the object of its preposition) in the same clause."""
    between = _PAREN.sub(" ", text[cue_end:ent_start])
    if _BREAK.search(between) or "," in between:
        return False
    return len(between.split()) <= 8


# ----------------------------------------------------------------------------- roles

_PASSIVE = re.compile(r"(?<!\w)(?:was|were|been|being|is|are|été|был[аио]?)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_BY = re.compile(r"^\W*(?:\w+\s+){0,3}?(?:by|par|de la part de)\s+(?:the\s+|l[ae']\s*)?$", re.IGNORECASE)
_DEMONYM_FORCES = re.compile(
    r"(?<!\w)(azerbaijani|azeri|armenian|russian|turkish|iranian)\s+(?:armed\s+forces|forces|army|troops|soldiers|"
    r"military|servicemen|border guards)(?!\w)", re.IGNORECASE)
_VICTIM_OF = re.compile(
    r"^\W*(?:who\s+(?:were|are)\s+)?(?:affected|hit|struck|targeted|wounded|injured|victims?|suffering|suffered|"
    r"touchés?|victimes?|пострадавш\w*|жертв\w*)\s+(?:by|of|from|in|par|de|от)\s+(?:[\w'’-]+\s+){0,4}$",
    re.IGNORECASE)
_DEMONYM_PAIR = re.compile(r"(?<!\w)(azerbaijani|azeri|armenian|russian|turkish|iranian)\s+and\s+", re.IGNORECASE)
_DEMONYM_STATE = {"azerbaijani": "Azerbaijan", "azeri": "Azerbaijan", "armenian": "Armenia", "russian": "Russia",
                  "turkish": "Turkey", "iranian": "Iran"}


def participants(text: str, cue_s: int, cue_e: int, ents: list[tuple[int, int, str]],
                  actors: set[str], places: set[str], groups: frozenset[str] = frozenset(),
                  etype: str = "", cue: str = "") -> tuple[str | None, str | None, str | None]:
    """Actor (subject before an active cue, or "by X" after a passive), target (object after), place.

    Actors must be able to act (states, organisations, forces, people; a people/group only
    protests); places that are not states never act; actor and target differ.
    """
    def acts(name: str) -> bool:
        if name in groups and etype != "protest":
            return False
        return name in actors or not places or name not in places

    before = [e for e in ents if e[1] <= cue_s and can_be_subject(text, e[0], e[1], cue_s)]
    # Targets too are things that can be acted on as parties (states, forces, people, groups);
    # a mere place ("the Lachin corridor") is the event's place, not its target.
    after = [e for e in ents if e[0] >= cue_e and can_be_object(text, cue_e, e[0])
             and (e[2] in actors or not places or e[2] not in places)]
    subj = before[-1][2] if before else None
    # "Azerbaijan invaded Nagorno-Karabakh, expelling ...": the nearest name that can act is the
    # subject; a place in between is the object of an earlier verb.
    doers = [e for e in before if acts(e[2])]
    actor = doers[-1][2] if doers else None
    target = after[0][2] if after else None
    passive = bool(_PASSIVE.search(text[max(0, cue_s - 30):cue_s]))
    by = [e for e in ents if e[0] >= cue_e and _BY.search(text[cue_e:e[0]]) and acts(e[2])]
    if by and (passive or _BY.search(text[cue_e:by[0][0]])):
        actor, target = by[0][2], subj
    elif (passive or is_undergoer_cue(cue)) and subj:
        # "civilians were killed", "Armenians fled": the subject undergoes it; nobody's actor
        actor, target = None, subj
    if actor is None and not (passive or is_undergoer_cue(cue)):
        # "Azerbaijani forces shelled": the demonym names the actor, unless both sides are named
        # ("Armenian and Azeri soldiers clashed": nobody's attack in particular).
        clause = text[clause_start(text, cue_s):cue_s]
        sides = {_DEMONYM_STATE.get(m.group(1).lower()) for m in _DEMONYM_FORCES.finditer(clause)}
        sides |= {_DEMONYM_STATE.get(m.group(1).lower()) for m in _DEMONYM_PAIR.finditer(clause)}
        if len(sides) == 1:
            actor = sides.pop()
    # "people affected by shelling", "victims of the blockade": they are the target.
    victims = [e for e in ents if e[1] <= cue_s and _VICTIM_OF.search(text[e[1]:cue_s])]
    if victims and target is None:
        target = victims[-1][2]
        actor = None if actor == target else actor
    if actor == target:
        target = None
    place_only = [e for e in ents if e[2] in places and e[2] not in actors]
    place = None
    if place_only:
        place = min(place_only, key=lambda e: abs(e[0] - cue_s))[2]
    elif target and target in places:
        place = target
    return actor, target, place
