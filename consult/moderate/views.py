"""Moderation pages: house rules, the queue and decisions, flags, appeals, sanctions, audit, statistics.

One blueprint (consult.moderate.blueprint.bp); its routes are in the modules imported here.
Views parse the request, call one function of consult.moderate.operations or moderation.service,
end a change with consult.database.unit_of_work (commit once, or roll all of it back), and
redirect or render; a ModerationError becomes the page's message. The CSRF token is checked
site-wide (CSRFProtect) before any view runs, so the views do not check it again.
"""
# Imported for their routes, which they add to the blueprint.
from consult.moderate import appeal_views, people_views, queue_views, record_views, rules_views
from consult.moderate.blueprint import bp, decisions_for_comments

__all__ = ["bp", "decisions_for_comments",
           "appeal_views", "people_views", "queue_views", "record_views", "rules_views"]
