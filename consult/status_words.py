"""Words that read inside sentences, marked for translation: a consultation's lifecycle status,
and an account's role.

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

# A role as it reads inside a sentence ("invited as moderator", "from citizen to official"):
# the audit trail and an account's history on the administrators' page translate these.
ROLE_WORDS = {"citizen": N_("citizen"), "moderator": N_("moderator"), "official": N_("official"),
              "admin": N_("admin")}
