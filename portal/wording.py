"""Words that follow who is asking: the person asking is always "you"; the person the
information is about is "you", "your child" or "the person you act for" ("them"). The council
is always "we". Plain data and small functions, used by the question pages, the check page and
the staff read-back (which words answers as the resident saw them)."""

WORDS = {
    # your: whose information; Your: the same at the start of a sentence; them: the person
    # the information is about, as an object; they_need: "... need" with its verb.
    "me": {"your": "your", "Your": "Your", "them": "you", "they_need": "you need"},
    "young_person": {"your": "your", "Your": "Your", "them": "you", "they_need": "you need"},
    "child": {
        "your": "your child's",
        "Your": "Your child's",
        "them": "your child",
        "they_need": "your child needs",
    },
    "represented": {
        "your": "their",
        "Your": "Their",
        "them": "the person you act for",
        "they_need": "they need",
    },
}
DEFAULT = WORDS["me"]


def words_for(who: str | None) -> dict:
    return WORDS.get(who, DEFAULT)


# The privacy notice's purposes as options on "Which uses do you object to?", in plain words.
# The notice speaks to a parent ("your child's"), which is wrong for anyone else, so the two
# purposes about a child name the child as this asker would.
_CHILD_PURPOSES = {
    "best_interests": {
        "me": "Acting in the best interests of children in your family and looking after "
        "their health",
        "young_person": "Acting in your best interests and looking after your health",
        "child": "Acting in your child's best interests and looking after their health",
        "represented": "Acting in the best interests of children in their family and looking "
        "after their health",
    },
    "child_views": {
        "me": "Listening to what children in your family think and want",
        "young_person": "Listening to what you think and want",
        "child": "Listening to what your child thinks and wants",
        "represented": "Listening to what children in their family think and want",
    },
}
_PURPOSES = [
    ("best_interests", None),
    ("child_views", None),
    ("access_support", "Helping {them} and the family get help from the council"),
    ("tell_other_services", "Telling other services what help {they_need}"),
    ("advice_and_safety", "Giving advice, support and practical help, and keeping people safe"),
    ("record_relationship", "Writing down {your} needs, and our visits and meetings"),
    ("monitor_take_up", "Checking how many families use our services and if they help"),
    ("evaluate_impact", "Checking whether our services make life better for children"),
    ("improve_services", "Helping the government improve services in the borough"),
]


def objection_uses(who: str | None) -> list[tuple[str, str]]:
    """(key, text) for each purpose, worded for this asker; the keys are the notice's."""
    words = words_for(who)
    out = []
    for key, text in _PURPOSES:
        if text is None:
            text = _CHILD_PURPOSES[key].get(who, _CHILD_PURPOSES[key]["me"])
        else:
            text = text.format(**words)
        out.append((key, text[0].upper() + text[1:]))
    return out
