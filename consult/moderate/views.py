"""Moderation pages: house rules, the queue and decisions, flags, appeals, sanctions, audit, statistics.

Views parse the request, call one function of moderation.service, commit once, and redirect or
render. The read-only look-ups that only pages need (names, titles, rule links) are the small
helpers at the top of this module.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template,
                   request, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.accounts import confirmed_required, role_required
from consult.comments import service as comments
from consult.consultations import service as consultations
from consult.extensions import db
from consult.models import Comment, CommentStatus, Consultation, Role, Status, User, utcnow
from consult.moderate import glue
from consult.moderate.forms import (AppealForm, AssignmentForm, BulkForm, ConfirmForm, DecisionForm,
                                    FlagForm, RulesForm, SanctionForm)
from consult.text import whole_number
from moderation import screening
from moderation import service
from moderation.models import (APPROVE, ESCALATE, ESCALATED, OPEN_STATES, REDACT, REJECT,
                               REMOVE, WAITING, Appeal, AuditEntry, Decision, HouseRulesVersion,
                               QueueItem, Sanction)

bp = Blueprint("moderation", __name__)

AUDIT_PAGE = 50
SOURCES = {"pre": "Pre-moderation", "screening": "Automatic screening", "flags": "Flagged by readers",
           "appeal": "Appeal"}
ROLE_NAMES = {Role.CITIZEN.value: "Citizen", Role.MODERATOR.value: "Moderator",
              Role.OFFICIAL.value: "Official", Role.ADMIN.value: "Administrator"}
OUTCOME_NAMES = {APPROVE: "Approved", REJECT: "Not published", REDACT: "Published with words removed",
                 ESCALATE: "Escalated to an official", REMOVE: "Removed"}
SHORTCUTS = [("j", "next item"), ("k", "previous item"), ("a", "approve"), ("r", "reject"),
             ("e", "redact")]
DECIDING_SHORTCUTS = {"a", "r", "e"}  # only where the page has a decision form
DECIDERS_SHOWN = 20
# On the queue page the shortcuts act on the highlighted row, in place.
QUEUE_SHORTCUTS = [("j", "highlight the next item"), ("k", "highlight the previous item"),
                   ("a", "approve the highlighted item"),
                   ("r", "reject the highlighted item: tick the rule below, then apply"),
                   ("e", "redact: opens the highlighted item at its redaction box"),
                   ("Enter", "open the highlighted item")]
# The page shows the same figures (templates/moderation/_figures.html), in this order.
CSV_FIELDS = (["consultation", "slug", "received", *service.STANDING]
              + ["held", "flagged", "escalated", "appealed", "overturned", "median_hours_to_decision"])


# --- helpers for pages ---------------------------------------------------------------------

def _is_admin() -> bool:
    return current_user.role == Role.ADMIN.value


def _official_only() -> bool:
    """Officials who are not moderators see only the items escalated to them."""
    return current_user.role == Role.OFFICIAL.value


def _refuse(exc: service.ModerationError):
    abort(exc.status, description=exc.message)


def working_days_between(start: datetime, end: datetime) -> float:
    """Working days (Monday to Friday) elapsed between two moments, to one decimal."""
    if end <= start:
        return 0.0
    seconds, cursor = 0.0, start
    while cursor < end:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time())
        step_end = min(end, next_midnight)
        if cursor.weekday() < 5:
            seconds += (step_end - cursor).total_seconds()
        cursor = step_end
    return round(seconds / 86400, 1)


PROMISED_DAYS = 2  # "within 2 working days" (consult.comments.service.MODERATION_PROMISE)


def _age(item: QueueItem, now: datetime) -> dict:
    days = working_days_between(item.created_at, now)
    return {"days": days, "overdue": days > PROMISED_DAYS,
            "hours": int((now - item.created_at).total_seconds() // 3600)}


def _rule_index(version: HouseRulesVersion) -> dict[str, dict]:
    return {r["anchor"]: r for r in version.rules}


def _rules_of(number: int | None) -> HouseRulesVersion | None:
    if number is None:
        return None
    return db.session.scalar(select(HouseRulesVersion).where(HouseRulesVersion.number == number))


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _consultation_titles(ids) -> dict[int, Consultation]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Consultation).where(Consultation.id.in_(ids)))}


def _spans(item: QueueItem) -> list[tuple[int, int]]:
    return [tuple(s) for r in item.reasons or [] for s in r.get("spans", [])]


def cited_rules(decision: Decision) -> list[dict]:
    """The rules a decision cites, as {anchor, number, title, url} in the version it cited."""
    version = _rules_of(decision.rules_version)
    index = _rule_index(version) if version else {}
    result = []
    for anchor in decision.rules or []:
        rule = index.get(anchor)
        if rule is None:  # never the bare anchor: it is an internal value
            rule = {"number": "?", "title": "a rule since changed"}
        result.append({"anchor": anchor, "number": rule["number"], "title": rule["title"],
                       "label": service.rule_label(rule) if anchor in index else rule["title"],
                       "url": url_for("moderation.rules", version=decision.rules_version) + f"#{anchor}"})
    return result


def decisions_for_comments(comment_ids) -> dict[int, list[dict]]:
    """For "My comments": each comment's decisions, the rules they cite, and whether to offer an appeal.

    Registered as the template global ``moderation_decisions`` so templates/comments/mine.html
    can show them without consult/comments knowing about moderation's tables.
    """
    ids = list(comment_ids)
    if not ids:
        return {}
    decisions = list(db.session.scalars(select(Decision).where(Decision.comment_id.in_(ids))
                                        .order_by(Decision.id)))
    appealed = {a.decision_id: a for a in db.session.scalars(select(Appeal).where(
        Appeal.decision_id.in_([d.id for d in decisions] or [0])))}
    facts = service.appeal_facts(db.session, decisions)
    now = utcnow()
    grouped: dict[int, list[dict]] = {}
    for decision in decisions:
        if decision.outcome == ESCALATE:
            continue
        deadline = decision.created_at + timedelta(days=service.APPEAL_DAYS)
        appeal = appealed.get(decision.id)
        final = facts[decision.id].on_appeal
        label = OUTCOME_NAMES.get(decision.outcome, decision.outcome)
        grouped.setdefault(decision.comment_id, []).append({
            "decision": decision,
            "label": f"Outcome of your appeal (final): {label[:1].lower()}{label[1:]}" if final else label,
            "rules": cited_rules(decision),
            "appeal": appeal,
            "final": final,
            "can_appeal": service.appeal_refusal(decision, facts[decision.id], now) is None,
            "deadline": deadline,
        })
    return grouped


@bp.record_once
def _register_globals(state) -> None:
    state.app.add_template_global(decisions_for_comments, "moderation_decisions")
    state.app.add_template_global(OUTCOME_NAMES, "moderation_outcomes")
    state.app.add_template_global(service.SANCTION_NAMES, "moderation_measures")
    # "rule 3 (No abuse…)": the one way pages, mail and reasons name a rule.
    state.app.add_template_global(service.rule_label, "house_rule_label")


# --- house rules -----------------------------------------------------------------------------

def _split_rules_html(version: HouseRulesVersion) -> str:
    """The introduction: the rules document's HTML before its first rule."""
    first = version.rules[0]["html"].split("\n", 1)[0]
    at = version.html.find(first)
    return version.html[:at] if at > 0 else ""


@bp.get("/house-rules")
def rules():
    """The house rules in force (or an earlier version), one section per rule with its anchor."""
    current = service.current_rules(db.session)
    db.session.commit()  # the first visit publishes the default rules
    wanted = request.args.get("version", "")
    number = whole_number(wanted)
    version = current if not wanted else _rules_of(number) if number else None
    if version is None:
        abort(404, description=f"There is no version {wanted[:20]} of the house rules: the one in "
                               f"force is version {current.number}.")
    versions = db.session.scalars(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc())).all()
    return render_template("moderation/rules.html", version=version, current=current,
                           intro=_split_rules_html(version), versions=versions,
                           title=service.rules_title(version))


@bp.route("/moderation/rules/new", methods=["GET", "POST"])
@role_required("official")
def publish_rules():
    """Write a new version of the house rules, preview it, then publish it."""
    current = service.current_rules(db.session)
    form = RulesForm(data={"source": current.source} if request.method == "GET" else None)
    preview, error = None, None
    if form.validate_on_submit():
        try:
            if form.publish.data:
                version = service.publish_rules(db.session, form.source.data or "",
                                                form.note.data or "", current_user.id)
                db.session.commit()
                flash(f"Version {version.number} of the house rules is published. New decisions "
                      "cite it; earlier decisions keep citing the version they were made under.",
                      "success")
                return redirect(url_for("moderation.rules"), code=303)
            preview = service.parse_rules(form.source.data or "")
        except service.ModerationError as exc:
            db.session.rollback()
            error = exc.message
    elif request.method == "POST":
        error = "This form has expired: your text is kept, send it again."
    db.session.commit()
    return render_template("moderation/publish_rules.html", form=form, preview=preview,
                           error=error, current=current), (400 if error else 200)


# --- the queue -------------------------------------------------------------------------------

def _filters() -> service.QueueFilters:
    args = request.args
    state = ESCALATED if _official_only() else (
        ESCALATED if args.get("state") == ESCALATED else WAITING)
    return service.QueueFilters(
        # A filter value that is not a number is ignored, as an unknown reason or source is.
        consultation_id=whole_number(args.get("consultation")) or None,
        reason=(args.get("reason") or "").strip() or None,
        rule=(args.get("rule") or "").strip() or None,
        source=args.get("source") if args.get("source") in SOURCES else None,
        campaign=(args.get("campaign") or "").strip()[:64] or None,
        state=state,
        older_than_hours=whole_number(args.get("older_than"), 6) or None,
    )


@bp.get("/moderation/")
@role_required("moderator", "official")
def queue():
    """The queue: open items oldest first, filtered, with their age against our promise."""
    filters = _filters()
    try:
        page = service.queue_page(db.session, filters, moderator_id=current_user.id,
                                  is_admin=_is_admin(), cursor=request.args.get("after"))
    except service.ModerationError as exc:
        _refuse(exc)
    now = utcnow()
    first_rules = db.session.scalar(select(HouseRulesVersion.id).limit(1)) is None
    rules_version = service.current_rules(db.session)
    if first_rules:
        # Only the very first visit publishes the default rules; committing on every visit
        # would expire every item on the page and reload them one by one.
        db.session.commit()
    titles = _consultation_titles(i.consultation_id for i in page.items)
    campaigns: dict[str, int] = {}
    for item in page.items:
        if item.campaign_key:
            campaigns[item.campaign_key] = campaigns.get(item.campaign_key, 0) + 1
    scope = service.moderated_consultations(db.session, current_user.id)
    choices = consultations.list_public(db.session)
    if scope is not None and not _is_admin():
        choices = [c for c in choices if c.id in scope]
    args = request.args.to_dict()
    args.pop("after", None)
    return render_template(
        "moderation/queue.html", page=page, filters=filters, titles=titles, now=now,
        ages={i.id: _age(i, now) for i in page.items}, rules=rules_version.rules,
        rule_index=_rule_index(rules_version), sources=SOURCES, consultations=choices,
        campaigns=campaigns, shortcuts=QUEUE_SHORTCUTS, promise=comments.MODERATION_PROMISE,
        names=_names(i.claimed_by for i in page.items if i.claimed_until and i.claimed_until > now),
        form=BulkForm(), args=args, official_only=_official_only(),
    )


def _neighbours(item: QueueItem) -> tuple[int | None, int | None]:
    """The previous and next open items in the same state (oldest first), for j and k."""
    base = select(QueueItem.id).where(QueueItem.state == item.state)
    scope = None if _is_admin() else service.moderated_consultations(db.session, current_user.id)
    if scope is not None:
        base = base.where(QueueItem.consultation_id.in_(scope))
    after = db.session.scalar(base.where(
        (QueueItem.created_at > item.created_at)
        | ((QueueItem.created_at == item.created_at) & (QueueItem.id > item.id)))
        .order_by(QueueItem.created_at, QueueItem.id).limit(1))
    before = db.session.scalar(base.where(
        (QueueItem.created_at < item.created_at)
        | ((QueueItem.created_at == item.created_at) & (QueueItem.id < item.id)))
        .order_by(QueueItem.created_at.desc(), QueueItem.id.desc()).limit(1))
    return before, after


def _conflict_detail(item: QueueItem) -> str | None:
    """'Bea decided: Not published under rule 3' for the latest decision on an item."""
    latest = db.session.scalar(select(Decision).where(Decision.item_id == item.id)
                               .order_by(Decision.id.desc()).limit(1))
    if latest is None:
        return None
    who = _names([latest.moderator_id]).get(latest.moderator_id, "the automatic screening")
    rules_text = " and ".join(r["label"] for r in cited_rules(latest))
    when = latest.created_at
    return (f"{who} decided at {when:%H:%M} UTC on {when:%-d %B %Y}: "
            f"{OUTCOME_NAMES.get(latest.outcome, latest.outcome)}"
            f"{' under ' + rules_text if rules_text else ''}.")


def _item_page(item: QueueItem, *, form: DecisionForm | None = None, holder: int | None = None,
               error: str | None = None, conflict: str | None = None, status: int = 200):
    """Render one item with its context, the author's history and the decision form."""
    comment = db.session.get(Comment, item.comment_id)
    consultation = db.session.get(Consultation, item.consultation_id)
    rules_version = service.current_rules(db.session)
    if form is None:
        form = DecisionForm(data={"redacted_text": screening.redact(item.text, _spans(item)),
                                  "rules": [r.get("rule") for r in item.reasons or [] if r.get("rule")]})
    # The version is always the one on screen now: after a conflict the moderator re-reads.
    form.version.data = str(item.version)
    context = []
    if comment.anchor:
        try:
            context = comments.thread(db.session, consultation, comment.anchor, limit=10).comments
        except comments.CommentError:
            context = []
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    previous, following = _neighbours(item)
    now = utcnow()
    # On an appeal, those who took part in an earlier decision read the item but may not decide it.
    excluded = service.appeal_excluded(db.session, item)
    read_only = item.state in OPEN_STATES and current_user.id in excluded
    # One more than shown, to say "and others" only when there are others.
    deciders = service.appeal_deciders(db.session, item, limit=DECIDERS_SHOWN + 1) if read_only else []
    decider_names = _names(deciders)
    is_open = item.state in OPEN_STATES and not read_only
    shortcuts = [(key, what) for key, what in SHORTCUTS if is_open or (
        key not in DECIDING_SHORTCUTS and (previous if key == "k" else following))]
    return render_template(
        "moderation/item.html", item=item, comment=comment, consultation=consultation,
        parent=parent, context=[c for c in context if c.id != comment.id],
        history=service.author_history(db.session, item.author_id),
        sanctions=service.active_sanctions(db.session, item.author_id),
        decisions=[(d, cited_rules(d)) for d in service.decisions_for(db.session, comment.id)],
        author=db.session.get(User, item.author_id), form=form, rules=rules_version.rules,
        rules_version=rules_version, holder=_names([holder]).get(holder) if holder else None,
        error=error, conflict=conflict, conflict_detail=_conflict_detail(item) if conflict else None,
        age=_age(item, now), promise=comments.MODERATION_PROMISE, previous=previous,
        following=following, shortcuts=shortcuts, names=_names(
            [d.moderator_id for d in service.decisions_for(db.session, comment.id)]),
        is_open=is_open, read_only=read_only,
        excluded_names=[n for i, n in _names(excluded).items() if i != current_user.id],
        decider_names=[decider_names[i] for i in deciders[:DECIDERS_SHOWN] if i in decider_names],
        more_deciders=len(deciders) > DECIDERS_SHOWN, sources=SOURCES,
    ), status


def _check_official(item: QueueItem) -> None:
    if _official_only() and item.state != ESCALATED:
        abort(403, description="Officials see the items moderators escalate to them; this one "
                               "is not escalated.")


@bp.get("/moderation/items/<int:item_id>")
@role_required("moderator", "official")
def item(item_id: int):
    """Open an item: claim it for a few minutes and show everything needed to decide."""
    try:
        found = service.get_item(db.session, item_id)
        _check_official(found)
        found, holder = service.claim(db.session, item_id, current_user.id, is_admin=_is_admin())
        db.session.commit()
    except service.ModerationError as exc:
        db.session.rollback()
        _refuse(exc)
    return _item_page(found, holder=holder)


@bp.post("/moderation/items/<int:item_id>/decide")
@role_required("moderator", "official")
def decide(item_id: int):
    """Record a decision; a second moderator deciding the same item is told who decided."""
    form = DecisionForm()
    try:
        found = service.get_item(db.session, item_id)
    except service.ModerationError as exc:
        _refuse(exc)
    _check_official(found)
    was_escalated = found.state == ESCALATED
    if not form.validate_on_submit():
        return _item_page(found, form=form, error="This form has expired: reload the item and "
                                                    "decide again.", status=400)
    outcome = form.outcome.data or ""  # the service turns rejecting a public comment into removing it
    decision_request = service.DecisionRequest(
        outcome=outcome, rules=list(form.rules.data or []), note=form.note.data or "",
        redacted_text=form.redacted_text.data if outcome == REDACT else None,
        expected_version=form.expected_version())
    try:
        decision = service.decide(db.session, item_id, current_user.id, decision_request,
                                  is_admin=_is_admin())
        db.session.commit()
    except service.Conflict as exc:
        db.session.rollback()
        return _item_page(service.get_item(db.session, item_id), form=form, conflict=exc.message,
                          status=409)
    except service.ModerationError as exc:
        db.session.rollback()
        return _item_page(service.get_item(db.session, item_id), form=form, error=exc.message,
                          status=exc.status)
    told = "" if decision.outcome == ESCALATE else " The author has been told."
    flash(f"Decided: {OUTCOME_NAMES.get(decision.outcome, decision.outcome)}.{told}", "success")
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
    if not form.validate_on_submit():
        flash("This form has expired: reload the queue and try again.", "error")
        return redirect(back, code=303)
    outcome = form.outcome.data or ""
    if outcome == REDACT:
        flash("Redact items one at a time: each text needs its own words removed.", "error")
        return redirect(back, code=303)
    try:
        ids = (service.campaign_items(db.session, form.campaign.data) if form.campaign.data
               else form.ids())
        result = service.decide_many(
            db.session, ids, current_user.id,
            service.DecisionRequest(outcome=outcome, rules=list(form.rules.data or []),
                                    note=form.note.data or ""),
            versions=None if form.campaign.data else BulkForm.versions(request.form),
            is_admin=_is_admin())
        db.session.commit()
    except service.ModerationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back, code=303)
    if result.decided:
        done = len(result.decided)
        told = ("" if outcome == ESCALATE
                else " The author has been told." if done == 1 else " The authors have been told.")
        # What was stored: rejecting the items already public removed them.
        stored: dict[str, int] = {}
        for decision in result.decided:
            stored[decision.outcome] = stored.get(decision.outcome, 0) + 1
        what = ", ".join(OUTCOME_NAMES.get(o, o) + (f" ({n})" if len(stored) > 1 else "")
                         for o, n in stored.items())
        flash(f"{done} item{'s' if done != 1 else ''} decided: {what}.{told}", "success")
    for item_id, message in result.conflicts:
        flash(f"Item {item_id} was not changed: {message}", "error")
    return redirect(back, code=303)


# --- sanctions -------------------------------------------------------------------------------

def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description="There is no such user.")
    return user


@bp.get("/moderation/users/<int:user_id>")
@role_required("moderator")
def user(user_id: int):
    """A user's moderation history, their measures, and forms to impose or lift one."""
    return _user_page(_user_or_404(user_id))


def _user_page(person: User, form: SanctionForm | None = None, error: str | None = None,
               status: int = 200):
    user_id = person.id
    decisions = list(db.session.scalars(
        select(Decision).join(QueueItem, QueueItem.id == Decision.item_id)
        .where(QueueItem.author_id == user_id).order_by(Decision.id.desc()).limit(200)))
    sanctions = list(db.session.scalars(select(Sanction).where(Sanction.user_id == user_id)
                                        .order_by(Sanction.id.desc())))
    active = {s.id for s in service.active_sanctions(db.session, user_id)}
    return render_template(
        "moderation/user.html", person=person, role=ROLE_NAMES.get(person.role, "Citizen"),
        decisions=[(d, cited_rules(d)) for d in decisions],
        history=service.author_history(db.session, user_id), sanctions=sanctions, active=active,
        form=form or SanctionForm(), revoke_form=ConfirmForm(), error=error,
        names=_names([s.created_by for s in sanctions] + [s.revoked_by for s in sanctions]
                     + [d.moderator_id for d in decisions]),
    ), status


@bp.post("/moderation/users/<int:user_id>/sanctions")
@role_required("moderator")
def sanction(user_id: int):
    """Impose a measure: pre-moderation, a suspension until a date, or a ban."""
    person = _user_or_404(user_id)
    form = SanctionForm()
    if not form.validate_on_submit():
        return _user_page(person, form=form, error="Give the end date as a date (day, month, year).",
                    status=400)
    # The chosen day's end where the moderator and the user read times (SITE_TIMEZONE), not in UTC.
    ends_at = glue.site_day_end(form.ends_at.data) if form.ends_at.data else None
    try:
        measure = service.impose_sanction(db.session, user_id, form.kind.data or "",
                                          form.reason.data or "", current_user.id, ends_at=ends_at)
        db.session.commit()
    except service.ModerationError as exc:
        db.session.rollback()
        return _user_page(_user_or_404(user_id), form=form, error=exc.message, status=exc.status)
    until = (f" until {service.shown_time(measure.ends_at, glue.site_zone(), '%-d %B %Y')}"
             if measure.ends_at else "")
    flash(f"{service.SANCTION_NAMES[measure.kind]} is in force for {person.display_name}{until}. "
          "They have been told by mail, with the reason.", "success")
    return redirect(url_for("moderation.user", user_id=user_id), code=303)


@bp.post("/moderation/sanctions/<int:sanction_id>/revoke")
@role_required("moderator")
def revoke(sanction_id: int):
    """Lift a measure; the record stays in the user's history and the audit trail."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400, description="This form has expired: reload the page and try again.")
    try:
        measure = service.revoke_sanction(db.session, sanction_id, current_user.id)
        user_id = measure.user_id
        db.session.commit()
    except service.ModerationError as exc:
        db.session.rollback()
        _refuse(exc)
    flash("The measure is lifted.", "success")
    return redirect(url_for("moderation.user", user_id=user_id), code=303)


# --- who moderates which consultation ------------------------------------------------------

def _assignments_page(form: AssignmentForm | None = None, error: str | None = None, status: int = 200):
    moderators = list(db.session.scalars(
        select(User).where(User.role == Role.MODERATOR.value, User.deleted_at.is_(None))
        .order_by(User.display_name, User.id)))
    titles = dict(db.session.execute(select(Consultation.id, Consultation.title).order_by(Consultation.title)).all())
    form = form or AssignmentForm()
    form.user_id.choices = [(m.id, f"{m.display_name} ({m.email})") for m in moderators]
    form.consultation_id.choices = list(titles.items())
    return render_template("moderation/assignments.html", moderators=moderators, titles=titles,
                           assigned=service.assignments(db.session), form=form, error=error), status


@bp.get("/moderation/assignments")
@role_required("admin")
def assignments():
    """Which consultations each moderator works on (none assigned: every consultation)."""
    return _assignments_page()


@bp.post("/moderation/assignments")
@role_required("admin")
def assign():
    """Assign a moderator to one more consultation."""
    return _change_assignment(service.assign, "{name} now moderates {title}.")


@bp.get("/moderation/assignments/remove")
@role_required("admin")
def confirm_unassign():
    """Ask before taking a moderator off a consultation, saying what changes for them."""
    user_id = whole_number(request.args.get("user_id"))
    consultation_id = whole_number(request.args.get("consultation_id"))
    mine = service.assignments(db.session).get(user_id, [])
    if consultation_id not in mine:
        abort(404, description="That moderator is not assigned to that consultation.")
    return render_template("moderation/unassign.html", form=AssignmentForm(),
                           moderator=db.session.get(User, user_id),
                           consultation=db.session.get(Consultation, consultation_id),
                           last=len(mine) == 1)


@bp.post("/moderation/assignments/remove")
@role_required("admin")
def unassign():
    """Take a moderator off a consultation."""
    return _change_assignment(service.unassign, "{name} no longer moderates {title}.")


def _change_assignment(change, done: str):
    form = AssignmentForm()
    if not form.validate_on_submit():
        return _assignments_page(error="Choose a moderator and a consultation.", status=400)
    try:
        change(db.session, form.user_id.data, form.consultation_id.data, current_user.id)
        db.session.commit()
    except service.ModerationError as exc:
        db.session.rollback()
        return _assignments_page(form, error=exc.message, status=exc.status)
    moderator, consultation = (db.session.get(User, form.user_id.data),
                               db.session.get(Consultation, form.consultation_id.data))
    flash(done.format(name=moderator.display_name, title=consultation.title), "success")
    return redirect(url_for("moderation.assignments"), code=303)


# --- audit and statistics ------------------------------------------------------------------

ACTION_NAMES = {
    "held": "Held for a moderator", "claimed": "Opened to decide", "decided": "Decided",
    "appealed": "Appealed by the author", "appeal_decided": "Appeal decided",
    "flagged": "Reported by a reader", "hidden_pending_review": "Hidden after readers' reports",
    "withdrawn_by_author": "Withdrawn by the author", "edited_in_queue": "Edited by the author while waiting",
    "released_after_edit": "Published after the author's edit", "sanction": "Measure imposed",
    "sanction_revoked": "Measure lifted", "rules_published": "House rules published",
    "assigned": "Moderator assigned", "unassigned": "Moderator taken off",
}
REASON_NAMES = {"personal_data": "personal information", "link": "a link", "banned_word": "a banned word",
                "suspect_word": "a suspect word", "shouting": "capital letters", "repeat": "repeated text",
                "campaign": "part of a campaign", "sanction": "the author is on pre-moderation",
                "flags": "readers' reports", "appeal": "an appeal"}
MODE_NAMES = {"pre": "every comment checked before publication", "post": "checked after publication",
              "reactive": "checked when readers report it"}
# Details that only join records together: the "On" column and the other columns carry their meaning
# (a rules version's number is in its "On": "The house rules, version 2").
AUDIT_HIDDEN = {"item_id", "decision_id", "appeal_id", "sanction_id", "rules_version", "number"}


def _audit_rows(entries: list[AuditEntry]) -> list[dict]:
    """The audit entries in words: who, what, on what, and each detail with a plain label."""
    names = _names([e.actor_id for e in entries]
                   + [e.subject_id for e in entries if e.subject_type == "user"])
    versions: dict[int | None, dict[str, dict]] = {}

    def rules_in(number: int | None) -> dict[str, dict]:
        if number not in versions:
            version = _rules_of(number) if number else service.current_rules(db.session)
            versions[number] = _rule_index(version) if version else {}
        return versions[number]

    def rule_words(anchors, number) -> str:
        index = rules_in(number)
        return " and ".join(service.rule_label(index[a]) if a in index else "a rule since changed"
                            for a in anchors)

    localtime = current_app.jinja_env.filters["localtime"]
    rows = []
    for e in entries:
        detail = e.detail or {}
        shown: list[tuple[str, str]] = []
        written: set[int] = set()  # which of them are people's own words (isolated on the page)
        for key, value in detail.items():
            if key in AUDIT_HIDDEN or value in (None, "", [], False):
                continue
            if key == "outcome":
                shown.append(("Outcome", f"the decision was {value}" if e.action == "appeal_decided"
                              else service.OUTCOME_WORDS.get(value, str(value))))
            elif key in ("rules", "rule"):
                anchors = value if isinstance(value, list) else [value]
                shown.append(("Under", rule_words(anchors, detail.get("rules_version"))))
            elif key == "reasons":
                words = [REASON_NAMES.get(str(code).split(":", 1)[0], str(code).replace("_", " "))
                         for code in value]
                shown.append(("Why", ", ".join(dict.fromkeys(words))))
            elif key == "mode":
                shown.append(("Consultation", MODE_NAMES.get(value, str(value))))
            elif key == "kind":
                shown.append(("Measure", service.SANCTION_NAMES.get(value, str(value))))
            elif key == "ends_at":
                shown.append(("Until", localtime(datetime.fromisoformat(value))))
            elif key == "flags":
                shown.append(("Reports", str(value)))
            elif key == "edited":
                shown.append(("When", "after the author edited it"))
            elif key == "revision":
                shown.append(("Revision", str(value)))
            else:  # note, reason, and anything newer: the words as written
                label = {"note": "Note", "reason": "Reason"}.get(key, key.replace("_", " ").capitalize())
                written.add(len(shown))
                shown.append((label, ", ".join(map(str, value)) if isinstance(value, list) else str(value)))
        item_id = detail.get("item_id")
        if e.subject_type == "user":
            subject = names.get(e.subject_id, "an account since removed")
        elif e.subject_type == "rules":
            subject = f"The house rules, version {detail.get('number', '?')}"
        elif e.subject_type == "comment":
            subject = f"A comment (item {item_id})" if item_id else "A comment"
        else:
            subject = e.subject_type
        rows.append({"entry": e, "action": ACTION_NAMES.get(e.action, e.action.replace("_", " ").capitalize()),
                     "who": names.get(e.actor_id, "an account since removed") if e.actor_id else "Automatic",
                     "subject": subject, "item_id": item_id,
                     "rules_version": whole_number(str(detail.get("number", "")))
                     if e.subject_type == "rules" else None,
                     "details": [(label, text, i in written) for i, (label, text) in enumerate(shown)]})
    return rows


@bp.get("/moderation/audit")
@role_required("moderator")
def audit():
    """The moderation record, newest first, a page at a time (keyset on the entry id)."""
    before_text = request.args.get("before", "")
    before = whole_number(before_text, 18)
    if before_text and before is None:
        abort(400, description="That page link is not valid: go back to the first page.")
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(db.session.scalars(query.limit(AUDIT_PAGE + 1)))
    page = rows[:AUDIT_PAGE]
    return render_template("moderation/audit.html", entries=_audit_rows(page),
                           next_cursor=page[-1].id if len(rows) > AUDIT_PAGE else None,
                           titles=_consultation_titles(e.consultation_id for e in page))


def _statistics_rows() -> tuple[dict, list[tuple[Consultation, dict]], dict[str, dict]]:
    overall = service.statistics(db.session)
    per = [(c, service.statistics(db.session, c.id)) for c in consultations.list_public(db.session)]
    rule_index = _every_rule()
    db.session.commit()
    return overall, per, rule_index


def _every_rule() -> dict[str, dict]:
    """Every rule any version has had, by anchor, as its newest version names it (with that version),
    in the current version's order and then the retired ones: statistics count under old rules too."""
    current = service.current_rules(db.session)
    index: dict[str, dict] = {}
    for version in db.session.scalars(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc())):
        for rule in version.rules:
            index.setdefault(rule["anchor"], {**rule, "version": version.number,
                                              "current": version.number == current.number})
    return index


@bp.get("/moderation/statistics")
def statistics():
    """Published moderation figures, overall and per consultation."""
    overall, per, rule_index = _statistics_rows()
    return render_template("moderation/statistics.html", overall=overall, per=per,
                           rule_index=rule_index)


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@bp.get("/moderation/statistics.csv")
def statistics_csv():
    """The same figures as CSV, one row per consultation and one for all of them."""
    overall, per, rule_index = _statistics_rows()
    # The current rules, then any retired rule still counted, so the CSV holds what the page shows.
    cited = {a for figures in [overall, *(f for _c, f in per)] for a in figures["rejected_by_rule"]}
    anchors = [a for a, rule in rule_index.items() if rule["current"] or a in cited]
    anchors += sorted(cited - set(rule_index))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS + [f"rejected_rule_{a}" for a in anchors])
    for title, slug, figures in [("All consultations", "", overall)] + [
            (c.title, c.slug, f) for c, f in per]:
        row = [title, slug] + [figures[k] for k in CSV_FIELDS[2:]]
        row += [figures["rejected_by_rule"].get(a, 0) for a in anchors]
        writer.writerow([csv_cell(v) for v in row])
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="moderation-statistics.csv"'
    return response


# --- flags and appeals ---------------------------------------------------------------------

def _flaggable(slug: str, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if (comment is None or comment.consultation.slug != slug
            or comment.consultation.status is Status.DRAFT):
        abort(404, description="There is no such comment.")
    if comment.status != CommentStatus.PUBLISHED.value:
        abort(409, description="This comment is not published (any more), so there is nothing to "
                               "report: moderators are already looking at it or have decided.")
    return comment


def _comment_url(comment: Comment) -> str:
    if comment.anchor:
        return url_for("consultations.paragraph", slug=comment.consultation.slug,
                       anchor=comment.anchor) + f"#comment-{comment.id}"
    return url_for("comments.general", slug=comment.consultation.slug) + f"#comment-{comment.id}"


@bp.route("/c/<slug>/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@confirmed_required
def flag(slug: str, comment_id: int):
    """Report a published comment under a house rule (once per person)."""
    comment = _flaggable(slug, comment_id)
    form = FlagForm()
    error, status = None, 200
    if comment.author_id == current_user.id:
        error, status = "You cannot report your own comment; withdraw or edit it instead.", 403
    elif form.validate_on_submit():
        try:
            _record, hidden = service.flag(
                db.session, comment_id=comment.id, consultation_id=comment.consultation_id,
                comment_author_id=comment.author_id, comment_text=comment.body,
                comment_revision=comment.revision, user_id=current_user.id,
                rule=form.rule.data or "", note=form.note.data or "",
                threshold=current_app.config.get("FLAG_THRESHOLD", 3))
            db.session.commit()
        except service.ModerationError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            flash("Thank you for your report. A moderator will check the comment against the "
                  "house rules." + (" It is hidden until they have." if hidden else ""), "success")
            target = (url_for("consultations.paragraph", slug=slug, anchor=comment.anchor)
                      if comment.anchor else url_for("comments.general", slug=slug))
            return redirect(target, code=303)
    elif request.method == "POST":
        error, status = "This form has expired: choose the rule again and send it.", 400
    rules_version = service.current_rules(db.session)
    db.session.commit()
    return render_template("moderation/flag.html", comment=comment, form=form, error=error,
                           rules=rules_version.rules, own=comment.author_id == current_user.id,
                           back=_comment_url(comment)), status


@bp.route("/me/decisions/<int:decision_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(decision_id: int):
    """Ask for a decision on my comment to be looked at again by a different moderator."""
    decision = db.session.get(Decision, decision_id)
    comment = db.session.get(Comment, decision.comment_id) if decision else None
    # An escalation is between moderators and officials, never shown to the author.
    if (decision is None or decision.outcome == ESCALATE or comment is None
            or comment.author_id != current_user.id):
        abort(404, description="There is no such decision on one of your comments.")
    form = AppealForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            service.appeal(db.session, decision_id, current_user.id, form.reason.data or "")
            db.session.commit()
        except service.ModerationError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            flash("Your appeal is sent. A different moderator will look at your comment again, "
                  f"usually {comments.MODERATION_PROMISE}, and you will be told the outcome.",
                  "success")
            return redirect(url_for("comments.mine") + f"#comment-{comment.id}", code=303)
    elif request.method == "POST":
        error, status = "This form has expired: your text is kept, send it again.", 400
    existing = db.session.scalar(select(Appeal).where(Appeal.decision_id == decision_id))
    refusal = None
    if existing is None:
        try:
            service.check_appeal(db.session, decision_id, current_user.id)
        except service.ModerationError as exc:
            refusal = exc.message
            error = None if error == refusal else error  # said once, where the form would be
    deadline = decision.created_at + timedelta(days=service.APPEAL_DAYS)
    return render_template("moderation/appeal.html", decision=decision, comment=comment, form=form,
                           error=error, rules=cited_rules(decision), existing=existing,
                           deadline=deadline, refusal=refusal,
                           label=OUTCOME_NAMES.get(decision.outcome, decision.outcome)), status
