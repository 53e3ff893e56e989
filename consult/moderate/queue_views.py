"""The moderation queue: the list, one item with its decision form, and bulk decisions."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from consult import rules_language
from consult.accounts import role_required
from consult.comments import service as comments
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import N_, gettext, ngettext
from consult.moderate import operations, queue_tools
from consult.moderate.blueprint import bp, linked_decisions, refuse, viewer
from consult.moderate.forms import BulkForm, DecisionForm
from consult.text import whole_number
from moderation import service
from moderation.models import ESCALATE, ESCALATED, REDACT, REJECT, QueueItem
from moderation.service.queue import SORTS

# What each key does, marked for translation and translated where shown (moderation/_shortcuts.html).
SHORTCUTS = [("j", N_("next item")), ("k", N_("previous item")), ("a", N_("approve")), ("r", N_("reject")),
             ("e", N_("redact"))]
DECIDING_SHORTCUTS = {"a", "r", "e"}  # only where the page has a decision form
# On the queue page the shortcuts act on the highlighted row, in place.
QUEUE_SHORTCUTS = [("j", N_("highlight the next item")), ("k", N_("highlight the previous item")),
                   ("a", N_("approve the highlighted item")),
                   ("r", N_("reject the highlighted item: tick the rule below, then apply")),
                   ("e", N_("redact: opens the highlighted item at its redaction box")),
                   ("Enter", N_("open the highlighted item"))]


def _outcome(code: str) -> str:
    """A decision's outcome in the reader's language (operations.OUTCOME_NAMES, marked there)."""
    return gettext(operations.OUTCOME_NAMES.get(code, code))


@bp.get("/moderation/")
@role_required("moderator", "official")
def queue():
    """The queue: open items, searched, filtered and sorted, with their age against our promise."""
    return _queue_page(request.args)


def _queue_page(args, draft: dict | None = None, back: str | None = None, status: int = 200):
    """The queue as `args` ask for it. `draft`: a refused bulk decision's ticks, outcome, rules
    and note, shown again with `back` (the queue address it came from)."""
    who = viewer()
    choices = queue_tools.visible_consultations(db.session, who.id, who.is_admin)
    wanted = queue_tools.read_filters(db.session, args, official_only=who.official_only,
                                      consultation_ids={c.id for c in choices})
    shown_args = args.to_dict()
    shown_args.pop("after", None)
    common = {"filters": wanted.filters, "wanted": wanted, "sources": operations.SOURCES,
              "reasons": queue_tools.REASONS, "sorts": SORTS, "shortcuts": QUEUE_SHORTCUTS,
              "promise": comments.MODERATION_PROMISE, "form": BulkForm(), "args": shown_args,
              "official_only": who.official_only, "every_rule": rules_language.reader_every_rule(db.session),
              "draft": draft or {"ids": [], "outcome": "approve", "rules": [], "note": ""}, "back": back,
              "query": args}  # the queue's own query (shown again after a refused bulk decision)
    if wanted.problems:
        rules = rules_language.in_force(db.session).rules
        return render_template("moderation/queue.html", page=None, consultations=choices,
                               flag_counts={}, campaign_sizes={},
                               rules=rules, rule_index={r["anchor"]: r for r in rules}, **common), 400
    try:
        page = operations.queue_page(db.session, wanted.filters, who, args.get("after"))
    except service.ModerationError as exc:
        refuse(exc)
    counts = queue_tools.row_counts(db.session, page["page"].items)
    return render_template("moderation/queue.html", **common, **page, **counts), status


def _bulk_refused(form: BulkForm, back: str, message: str):
    """A bulk decision refused as a whole (no rule cited, nothing selected): the queue it came
    from again, with the error and everything the moderator had ticked and typed."""
    flash(message, "error")
    draft = {"ids": [str(i) for i in form.ids()], "outcome": form.outcome.data or "approve",
             "rules": list(form.rules.data or []), "note": form.note.data or ""}
    return _queue_page(MultiDict(parse_qsl(urlsplit(back).query)), draft=draft, back=back, status=400)


def _item_page(item: QueueItem, *, form: DecisionForm | None = None, holder: int | None = None,
               error: str | None = None, conflict: str | None = None, status: int = 200):
    """Render one item with its context, the author's history and the decision form."""
    page = operations.item_page(db.session, item, viewer(), holder=holder, conflict=bool(conflict))
    if form is None:
        shown = page.get("comment")
        form = DecisionForm(data=operations.decision_prefill(item, shown.language if shown else None))
    # The version is always the one on screen now: after a conflict the moderator re-reads.
    form.version.data = str(item.version)
    shortcuts = [(key, what) for key, what in SHORTCUTS if page["is_open"] or (
        key not in DECIDING_SHORTCUTS and (page["previous"] if key == "k" else page["following"]))]
    page["decisions"] = linked_decisions(page["decisions"])
    comment = page.get("comment")
    return render_template("moderation/item.html", form=form, error=error, conflict=conflict,
                           promise=comments.MODERATION_PROMISE, shortcuts=shortcuts,
                           redaction_mark=operations.redaction_mark(comment.language if comment else None),
                           sources=operations.SOURCES, **page), status


@bp.get("/moderation/items/<int:item_id>")
@role_required("moderator", "official")
def item(item_id: int):
    """Open an item: claim it for a few minutes and show everything needed to decide."""
    try:
        with unit_of_work(db.session):  # the claim: others see the item is being decided
            found, holder = operations.claim_item(db.session, item_id, viewer())
    except service.ModerationError as exc:
        refuse(exc)
    return _item_page(found, holder=holder)


@bp.post("/moderation/items/<int:item_id>/decide")
@role_required("moderator", "official")
def decide(item_id: int):
    """Record a decision; a second moderator deciding the same item is told who decided."""
    form = DecisionForm()
    try:
        found = operations.item_for(db.session, item_id, viewer())
    except service.ModerationError as exc:
        refuse(exc)
    was_escalated = found.state == ESCALATED
    if not form.validate_on_submit():
        return _item_page(found, form=form, error=gettext("This form has expired: reload the item and "
                                                            "decide again."), status=400)
    outcome = form.outcome.data or ""  # the service turns rejecting a public comment into removing it
    decision_request = service.DecisionRequest(
        outcome=outcome, rules=list(form.rules.data or []), note=form.note.data or "",
        redacted_text=form.redacted_text.data if outcome == REDACT else None,
        expected_version=form.expected_version())
    try:
        with unit_of_work(db.session):
            decision = operations.decide_item(db.session, item_id, viewer(), decision_request)
    except service.Conflict as exc:
        return _item_page(service.get_item(db.session, item_id), form=form, conflict=exc.message,
                          status=409)
    except service.ModerationError as exc:
        return _item_page(service.get_item(db.session, item_id), form=form, error=exc.message,
                          status=exc.status)
    told = "" if decision.outcome == ESCALATE else " " + ngettext("The author has been told.",
                                                                  "The authors have been told.", 1)
    flash(gettext("Decided: %(outcome)s.", outcome=_outcome(decision.outcome)) + told, "success")
    next_id = whole_number(request.form.get("next"))
    if next_id:
        return redirect(url_for("moderation.item", item_id=next_id), code=303)
    return redirect(url_for("moderation.queue", state=ESCALATED if was_escalated else None),
                    code=303)


@bp.post("/moderation/bulk")
@role_required("moderator")
def bulk():
    """Apply one decision to the selected items, or to a whole campaign group."""
    form = BulkForm()
    back = request.form.get("back") or url_for("moderation.queue")
    if not back.startswith("/moderation/"):
        back = url_for("moderation.queue")
    outcome = form.outcome.data or ""
    who = viewer()
    # "Apply to every item on this page": the rows shown, whichever boxes are ticked, once the
    # moderator has confirmed on a page that lists them (no script needed).
    every_shown = request.form.get("scope") == "page"
    if request.form.get("confirmed") != "1":
        if every_shown:
            return _confirm_page(form, back, form.shown_ids(), every_shown=True)
        # Rejecting several ticked items (public ones are removed, every author is mailed, no
        # undo) is confirmed on the same page; approving or escalating them stays one click.
        if outcome == REJECT and not form.campaign.data and len(set(form.ids())) > 1:
            return _confirm_page(form, back, form.ids(), every_shown=False)
    try:
        with unit_of_work(db.session):
            result = service.decide_many(
                db.session, form.shown_ids() if every_shown else form.ids(), who.id,
                service.DecisionRequest(outcome=outcome, rules=list(form.rules.data or []),
                                        note=form.note.data or ""),
                versions=BulkForm.versions(request.form),
                campaign=None if every_shown else form.campaign.data or None,
                is_admin=who.is_admin)
    except service.ModerationError as exc:
        return _bulk_refused(form, back, exc.message)
    if result.decided:
        done = len(result.decided)
        told = ("" if outcome == ESCALATE
                else " " + ngettext("The author has been told.", "The authors have been told.", done))
        # What was stored: rejecting the items already public removed them.
        stored: dict[str, int] = {}
        for decision in result.decided:
            stored[decision.outcome] = stored.get(decision.outcome, 0) + 1
        what = ", ".join(_outcome(o) + (f" ({n})" if len(stored) > 1 else "") for o, n in stored.items())
        flash(ngettext("%(num)s item decided: %(what)s.", "%(num)s items decided: %(what)s.", done,
                       what=what) + told, "success")
    for item_id, message in result.conflicts:
        flash(gettext("Item %(id)s was not changed: %(message)s", id=item_id, message=message), "error")
    return redirect(back, code=303)


def _confirm_page(form: BulkForm, back: str, ids: list[int], *, every_shown: bool):
    """What deciding every item on the queue page (or rejecting the ticked ones) would do, with
    Confirm and Cancel: nothing is decided yet. A decision wrong for every item (no rule cited)
    is said on the queue instead."""
    who = viewer()
    decision_request = service.DecisionRequest(outcome=form.outcome.data or "", rules=list(form.rules.data or []),
                                               note=form.note.data or "")
    try:  # (the token was checked by CSRFProtect before this view)
        if not ids:
            raise service.ModerationError(N_("Select at least one item."))
        service.check_bulk(db.session, decision_request)
    except service.ModerationError as exc:
        return _bulk_refused(form, back, exc.message)
    items = queue_tools.open_items(db.session, ids, who.id, who.is_admin)
    shown = rules_language.in_force(db.session).rules
    return render_template("moderation/bulk_confirm.html", form=form, back=back, items=items,
                           every_shown=every_shown,
                           outcome=decision_request.outcome, outcome_name=_outcome(decision_request.outcome),
                           rules=[r for r in shown if r["anchor"] in decision_request.rules],
                           note=decision_request.note, versions=BulkForm.versions(request.form),
                           hidden_comments=queue_tools.row_counts(db.session, items)["hidden_comments"],
                           titles=operations.consultation_titles(db.session, (i.consultation_id for i in items)))
