"""A consultation's lifecycle status as it reads in a sentence, marked for translation.

Each reads after "this consultation is" (Welsh gives each its own verb: "yn ddrafft", "ar agor");
`consult.models.Status.words` translates them in the reader's language.
"""


def N_(message: str) -> str:  # noqa: N802  (the marker pybabel extracts)
    """Mark a message for extraction; Status.words translates it."""
    return message


STATUS_WORDS = {
    "draft": N_("a draft"), "upcoming": N_("upcoming"), "open": N_("open"), "closed": N_("closed"),
    "responded": N_("closed, with the department's response published"), "archived": N_("archived"),
}
