"""Telling participants what happened: a notification row in the same transaction as the
change; once that transaction commits, the job queue mails it (so a rolled-back change is
never announced). `consult send-mail` delivers whatever is due by hand.

A notification records plain data: a kind, a subject, the body text and a link, with every
link to this site written as a site-relative path (`site_path`). Services, signal listeners,
jobs and scripts therefore record notifications without a request or an app; the absolute
addresses are made only when the mail is delivered (`deliver_pending`), from SITE_URL.
"""
from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote, urlencode

from sqlalchemy import func, insert, select, update

from consult.config import DEVELOPMENT_SITE_URL
from consult.i18n import written_in
from consult.mail import PermanentMailError, TemporaryMailError, mail_domain, open_mailer
from consult.models import Notification, User, utcnow
from moderation.db import DbSession

log = logging.getLogger(__name__)

# The pages a notification links to, by endpoint, as site-relative paths. Services cannot call
# url_for (no app, no request); tests/test_services_without_flask.py checks every entry
# against the app's routes so the two cannot drift apart.
SITE_PATHS = {
    "accounts.account": "/account",
    "comments.mine": "/me/comments",
    "consultations.changes": "/c/{slug}/changes",
    "consultations.show": "/c/{slug}",
    "moderation.appeal": "/me/decisions/{decision_id}/appeal",
    "moderation.rules": "/house-rules",
    "responses.show": "/c/{slug}/response",
}

# A site-relative link in a notification's text: one of the paths above, standing alone
# (at the start or after white space), up to the next white space.
_FIRST_SEGMENTS = sorted({p.split("/")[1] for p in SITE_PATHS.values()}, key=len, reverse=True)
_SEGMENTS = "|".join(map(re.escape, _FIRST_SEGMENTS))
_SITE_LINK = re.compile(rf"(?<!\S)/(?:{_SEGMENTS})(?=[/?#\s]|$)\S*")

# session.info key: this session recorded a notification (consult.jobs mails it after commit).
PENDING = "consult.notifications_pending"


def participant_ids(consultation_id: int, after: int = 0, waiting: bool = False):
    """The ids of the people with a published comment on a consultation (`waiting`: or one
    awaiting moderation), after `after`, in order: whom a new version or the response is told
    to (and, with those waiting, a change of closing date). Deleted and deactivated accounts are
    not told (their comments stay); a query to count, or to page through by id."""
    from consult.models import Comment, CommentStatus  # (models imports nothing from here)

    statuses = [CommentStatus.PUBLISHED.value, *([CommentStatus.PENDING.value] if waiting else [])]
    return (select(Comment.author_id).join(User, User.id == Comment.author_id)
            .where(Comment.consultation_id == consultation_id,
                   Comment.status.in_(statuses), Comment.author_id > after,
                   User.id > after,  # (PostgreSQL's merge join then starts the users there too)
                   User.deleted_at.is_(None), User.deactivated_at.is_(None))
            .group_by(Comment.author_id).order_by(Comment.author_id))


def next_participants(session: DbSession, job, limit: int):
    """A fan-out job's consultation (job.params["consultation_id"]) and the ids of its next `limit`
    participants after job.cursor; None when the consultation is gone or everyone has been told."""
    from consult.models import Consultation

    consultation = session.get(Consultation, job.params["consultation_id"])
    if consultation is None:
        return None
    waiting = bool(job.params.get("waiting"))
    authors = list(session.scalars(participant_ids(consultation.id, after=job.cursor, waiting=waiting).limit(limit)))
    return (consultation, authors) if authors else None


def participant_count(session: DbSession, consultation_id: int, waiting: bool = False) -> int:
    """How many people `participant_ids` names."""
    return session.scalar(select(func.count()).select_from(
        participant_ids(consultation_id, waiting=waiting).order_by(None).subquery())) or 0


def site_path(endpoint: str, anchor: str = "", **values) -> str:
    """The site-relative path of a page a notification links to, like url_for without an app."""
    pattern = SITE_PATHS[endpoint]
    names = set(re.findall(r"{(\w+)}", pattern))
    path = pattern.format(**{name: quote(str(values[name]), safe="") for name in names})
    query = {k: v for k, v in values.items() if k not in names and v is not None}
    return path + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")


def absolute_links(text: str, site_url: str) -> str:
    """The text with each site-relative link made absolute on the site's external address."""
    base = site_url.rstrip("/")
    return _SITE_LINK.sub(lambda m: base + m.group(0), text)


def notify(session: DbSession, user_id: int, kind: str, subject: str, body: str,
           link: str = "", comment_id: int | None = None, job_id: int | None = None) -> Notification:
    """Record a notification for a user (links as site-relative paths); mail follows after commit."""
    note = Notification(user_id=user_id, kind=kind, subject=subject[:200], body=body,
                        link=link, comment_id=comment_id, job_id=job_id)
    session.add(note)
    # On the session: when it commits, consult.jobs puts a mail job on the queue. A script
    # with no app leaves the mail due; the queue's sweep (or `consult send-mail`) sends it.
    session.info[PENDING] = True
    return note


def languages_of(session: DbSession, user_ids: Iterable[int]) -> dict[int, str | None]:
    """Each user's stored language (None: never chose one, so English)."""
    ids = list(user_ids)
    found: dict[int, str | None] = dict.fromkeys(ids)
    for start in range(0, len(ids), 5000):
        found.update(session.execute(select(User.id, User.language).where(User.id.in_(ids[start:start + 5000]))).all())
    return found


@contextlib.contextmanager
def in_language_of(session: DbSession, user_id: int):
    """Write a notification's subject and body inside this: they are in the recipient's language."""
    with written_in(languages_of(session, [user_id])[user_id]):
        yield


def notify_each_written(session: DbSession, user_ids: Iterable[int], kind: str,
                        write: Callable[[int], tuple[str, str]], link: str = "", job_id: int | None = None) -> int:
    """One notification per user, its (subject, body) from `write(user_id)` called in that user's
    language (one switch per language, not per user), recorded in one statement as `notify_each`."""
    ids = list(user_ids)
    languages = languages_of(session, ids)
    written: dict[int, tuple[str, str]] = {}
    for language in sorted(set(languages.values()), key=str):
        with written_in(language):
            written.update((user_id, write(user_id)) for user_id in ids if languages[user_id] == language)
    rows = [{"user_id": user_id, "kind": kind, "subject": written[user_id][0][:200], "body": written[user_id][1],
             "link": link, "job_id": job_id} for user_id in ids]
    if rows:
        session.execute(insert(Notification), rows)
        session.info[PENDING] = True
    return len(rows)


def notify_each(session: DbSession, messages: Iterable[tuple[int, str]], kind: str, subject: str,
                link: str = "", job_id: int | None = None) -> int:
    """Record one notification per (user id, body), in one statement: a job telling many people
    (a chunk of a fan-out) does not build an object for each. Mail follows after commit."""
    rows = [{"user_id": user_id, "kind": kind, "subject": subject[:200], "body": body, "link": link,
             "job_id": job_id} for user_id, body in messages]
    if rows:
        session.execute(insert(Notification), rows)
        session.info[PENDING] = True
    return len(rows)


# Delivery, by the job queue's mail task (consult.jobs) or `consult send-mail`.
BATCH_SIZE = 100          # messages claimed at once and sent over one SMTP connection
RETRY_FIRST = timedelta(seconds=30)   # after a temporary failure; doubled each time ...
RETRY_LONGEST = timedelta(minutes=15)  # ... up to this, so a returning server is used soon
GIVE_UP_AFTER = timedelta(days=3)      # then a temporary failure is recorded as permanent


class Pace:
    """At most `per_second` messages a second, for every thread of this process together."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, per_second: int) -> None:
        """Wait for this process's next slot (none to wait for when per_second is 0)."""
        if per_second <= 0:
            return
        with self._lock:
            now = self.clock()
            slot = max(self._next, now)
            self._next = slot + 1.0 / per_second
        if slot > now:
            self.sleep(slot - now)


_pace = Pace()  # MAIL_PER_SECOND is for the whole worker process


@dataclass
class Delivery:
    """What one call of deliver_due did."""

    claimed: int = 0    # messages this worker took on (sent, or not, as below)
    sent: int = 0
    deferred: int = 0   # temporary failures: tried again later
    failed: int = 0     # permanent failures: shown to administrators, not retried by themselves
    server_down: bool = False

    def add(self, other: Delivery) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.deferred += other.deferred
        self.failed += other.failed
        self.server_down = self.server_down or other.server_down


@dataclass(frozen=True)
class _Outgoing:
    id: int
    to: str
    subject: str
    body: str
    message_id: str
    attempts: int
    created_at: datetime
    deleted: bool


def message_id(note_id: int, created_at: datetime, domain: str) -> str:
    """The Message-ID of a notification's mail: the same every time it is (re)sent."""
    return f"<notification-{note_id}.{created_at:%Y%m%d%H%M%S}@{domain}>"


def _due(now: datetime):
    return ((Notification.mailed_at.is_(None)) & (Notification.mail_failed_at.is_(None))
            & (Notification.mail_retry_at.is_(None) | (Notification.mail_retry_at <= now))
            & (Notification.claimed_until.is_(None) | (Notification.claimed_until < now)))


def due_count(session: DbSession, now: datetime | None = None) -> int:
    """How many notifications are waiting to be mailed now."""
    return session.scalar(select(func.count()).select_from(Notification).where(_due(now or utcnow()))) or 0


def _claim(session: DbSession, config: Mapping, now: datetime, limit: int) -> list[_Outgoing]:
    """Claim up to `limit` due notifications for this worker (committed) and read what to send.

    The claim lasts MAIL_CLAIM_SECONDS: a worker killed with messages claimed but not sent
    leaves them to another worker after that. PostgreSQL skips rows another worker is claiming;
    SQLite's write lock makes claims take turns.
    """
    ids = list(session.scalars(select(Notification.id).where(_due(now)).order_by(Notification.id)
                               .limit(limit).with_for_update(skip_locked=True)))
    if not ids:
        session.commit()
        return []
    until = now + timedelta(seconds=int(config.get("MAIL_CLAIM_SECONDS") or 300))
    session.execute(update(Notification).where(Notification.id.in_(ids), _due(now)).values(claimed_until=until))
    rows = session.execute(
        select(Notification.id, Notification.subject, Notification.body, Notification.link,
               Notification.mail_attempts, Notification.created_at, User.email, User.deleted_at)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids), Notification.claimed_until == until).order_by(Notification.id)).all()
    session.commit()
    site_url = config["SITE_URL"]
    domain = mail_domain(config)
    return [_Outgoing(id=r.id, to=r.email, subject=r.subject,
                      body=absolute_links(r.body + (f"\n\n{r.link}" if r.link else ""), site_url),
                      message_id=message_id(r.id, r.created_at, domain), attempts=r.mail_attempts,
                      created_at=r.created_at, deleted=r.deleted_at is not None) for r in rows]


class SentMarks(Protocol):
    """Where a worker marks each message the mail server accepted before it sends the next: the
    job queue's own storage (consult.jobs.queue), so the marks take no write lock of the
    database, which gets them one batch at a time."""

    def add(self, note_id: int) -> None: ...

    def among(self, note_ids: list[int]) -> set[int]: ...

    def forget(self, note_ids: list[int]) -> None: ...


FLUSH_EVERY = 1.0  # seconds: how long the database may be behind the marks of a batch


class _Outcomes:
    """What happened to each message of a batch, written to the database.

    With SentMarks, an accepted message is marked there at once and the database learns of it
    with the rest of its batch (or after FLUSH_EVERY seconds), in one transaction. Without
    them (`consult send-mail` with no queue), each is committed to the database before the next.
    """

    def __init__(self, session: DbSession, marks: SentMarks | None):
        self.session, self.marks = session, marks
        self.sent: list[int] = []
        self.other: list[tuple[int, dict]] = []
        self.since = time.monotonic()

    def accepted(self, note_id: int) -> None:
        if self.marks is None:
            _mark(self.session, note_id, mailed_at=utcnow(), mail_error="", claimed_until=None)
            return
        self.sent.append(note_id)
        try:
            self.marks.add(note_id)
        except Exception as exc:  # noqa: BLE001 - the queue's storage is down: the database marks them
            log.warning("could not mark mail as sent in the queue (%s); marking each in the database", exc)
            self.flush()
            self.marks = None
            return
        if time.monotonic() - self.since >= FLUSH_EVERY:
            self.flush()

    def nothing_to_send(self, note_id: int) -> None:
        """Sent before (its mark says so) or to an erased account: done, without sending."""
        self.sent.append(note_id)

    def record(self, note_id: int, **values) -> None:
        self.other.append((note_id, values))

    def flush(self) -> None:
        sent, self.sent = self.sent, []
        other, self.other = self.other, []
        if sent:
            self.session.execute(update(Notification).where(Notification.id.in_(sent))
                                 .values(mailed_at=utcnow(), mail_error="", claimed_until=None))
        for note_id, values in other:
            self.session.execute(update(Notification).where(Notification.id == note_id).values(**values))
        self.session.commit()
        if self.marks is not None and sent:
            try:
                self.marks.forget(sent)
            except Exception as exc:  # noqa: BLE001 - a mark left over is harmless: it is never claimed again
                log.warning("could not clear %d mail marks in the queue (%s)", len(sent), exc)
        self.since = time.monotonic()


def deliver_due(session: DbSession, config: Mapping, limit: int = BATCH_SIZE,
                marks: SentMarks | None = None) -> Delivery:
    """Mail one batch of due notifications over one connection, each marked sent before the next.

    Marking each message as soon as the server has accepted it (in `marks`, or else a commit
    per message) is what makes delivery idempotent: a worker killed mid-batch has re-sent
    nothing the server took when another worker picks the rest up, as the marks of the batch
    it claims are read first. A temporary failure (server down, 4xx) waits and is tried again,
    later each time; once a message has failed for GIVE_UP_AFTER, or at once on a permanent
    failure (5xx, an impossible address), it is recorded as failed for an administrator to see
    and retry (/admin/mail), and never retried by itself.
    """
    if config["SITE_URL"] == DEVELOPMENT_SITE_URL and config.get("CONSULT_ENV") == "production":
        log.warning("SITE_URL is not set: links in mail point to %s.", config["SITE_URL"])
    now = utcnow()
    batch = _claim(session, config, now, limit)
    done = Delivery(claimed=len(batch))
    sent_before = _sent_before(marks, [out.id for out in batch])
    outcomes = _Outcomes(session, marks)
    per_second = int(config.get("MAIL_PER_SECOND") or 0)
    try:
        with open_mailer(config) as mailer:
            for index, out in enumerate(batch):
                if out.deleted or out.id in sent_before:
                    outcomes.nothing_to_send(out.id)
                    continue
                _pace.wait(per_second)
                try:
                    mailer.send(out.to, out.subject, out.body, out.message_id)
                except PermanentMailError as exc:
                    outcomes.record(out.id, mail_failed_at=utcnow(), mail_error=str(exc)[:500],
                                    mail_attempts=out.attempts + 1, claimed_until=None)
                    done.failed += 1
                except TemporaryMailError as exc:
                    # A full mailbox (4xx) is this message's; no connection, or refused as a
                    # sender, and the rest of the batch waits too.
                    waiting = [out] if exc.this_message_only else batch[index:]
                    for message in waiting:
                        given_up = _defer(outcomes, message, str(exc))
                        done.failed += given_up
                        done.deferred += 1 - given_up
                    if not exc.this_message_only:
                        done.server_down = True
                        break
                else:
                    outcomes.accepted(out.id)
                    done.sent += 1
    except BaseException:
        # Record what went out before the failure, if the database will take it; if not, the
        # marks in the queue's storage still say so to the worker that takes the batch over.
        with contextlib.suppress(Exception):
            session.rollback()
            outcomes.flush()
        raise
    outcomes.flush()
    return done


def _sent_before(marks: SentMarks | None, note_ids: list[int]) -> set[int]:
    """Which of these a worker killed mid-batch had sent: none are known without the marks."""
    if marks is None or not note_ids:
        return set()
    try:
        return marks.among(note_ids)
    except Exception as exc:  # noqa: BLE001 - the queue's storage is down: send, as without it
        log.warning("could not read the queue's marks of sent mail (%s); sending the batch", exc)
        return set()


def _mark(session: DbSession, note_id: int, **values) -> None:
    session.execute(update(Notification).where(Notification.id == note_id).values(**values))
    session.commit()


def _defer(outcomes: _Outcomes, out: _Outgoing, error: str) -> int:
    """Try this message again later; 1 when it has failed too long and is given up instead."""
    now = utcnow()
    attempts = out.attempts + 1
    if now - out.created_at >= GIVE_UP_AFTER:
        outcomes.record(out.id, mail_failed_at=now, mail_attempts=attempts, claimed_until=None,
                        mail_error=f"Gave up after {attempts} attempts over {GIVE_UP_AFTER.days} days: {error}"[:500])
        return 1
    wait = min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_LONGEST)
    outcomes.record(out.id, mail_retry_at=now + wait, mail_attempts=attempts, mail_error=error[:500],
                    claimed_until=None)
    return 0


def deliver_all_due(session: DbSession, config: Mapping, marks: SentMarks | None = None) -> Delivery:
    """Deliver batches until nothing is due or the server is down (a job, `consult send-mail`)."""
    total = Delivery()
    while True:
        done = deliver_due(session, config, marks=marks)
        total.add(done)
        if done.server_down or not done.claimed:
            return total


def failed_mail(session: DbSession, page: int = 1, per_page: int = 50) -> tuple[list[tuple[Notification, User]], int]:
    """Notifications whose mail failed for good, newest first, one page, and how many there are."""
    where = Notification.mail_failed_at.is_not(None) & Notification.mailed_at.is_(None)
    total = session.scalar(select(func.count()).select_from(Notification).where(where)) or 0
    rows = session.execute(select(Notification, User).join(User, User.id == Notification.user_id).where(where)
                           .order_by(Notification.mail_failed_at.desc(), Notification.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [(n, u) for n, u in rows], total


def retry_failed_mail(session: DbSession, note_ids: list[int] | None = None) -> int:
    """Make permanently failed mail due again (all of it, or these); how many. Not committed."""
    where = Notification.mail_failed_at.is_not(None) & Notification.mailed_at.is_(None)
    if note_ids is not None:
        where = where & Notification.id.in_(note_ids)
    result = session.execute(update(Notification).where(where).values(
        mail_failed_at=None, mail_retry_at=None, mail_attempts=0, mail_error="", claimed_until=None))
    session.info[PENDING] = True
    return int(getattr(result, "rowcount", 0) or 0)


def retry_waiting_count(session: DbSession, now: datetime | None = None) -> int:
    """How many notifications wait to be tried again later after a temporary failure.

    They are neither mailed nor given up, and their retry time (mail_retry_at) is still to come;
    once it has come they are due, and counted by due_count instead.
    """
    now = now or utcnow()
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.mailed_at.is_(None), Notification.mail_failed_at.is_(None),
        Notification.mail_retry_at.is_not(None), Notification.mail_retry_at > now)) or 0
