"""The `consult` command: database set-up, demo data, imports and user management."""
from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from consult import create_app
from consult.config import ConfigError
from consult.consultations import service
from consult.database import unit_of_work, writing
from consult.extensions import db
from consult.languages import service as languages
from consult.users import UserError, create_user


def _fail(message: str) -> NoReturn:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def cli() -> None:
    """Consult: public consultations on draft policy, paragraph by paragraph."""


def main() -> None:
    """Console-script entry point: the app's commands plus Flask's own (run, shell, db).

    A configuration the app refuses (a bad environment variable) is said in one line, as the
    web server's start says it, not as a traceback."""
    try:
        cli(prog_name="consult")
    except ConfigError as exc:
        _fail(str(exc))


def init_app(app) -> None:
    """Attach the commands to the app, so `consult X` and `flask --app wsgi X` both work."""
    for command in (init_db, demo, import_command, create_user_command, index_command,
                    reindex_command, send_mail_command, worker_command):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (runs the migrations), with the first house rules."""
    from moderation.service import current_rules

    upgrade(directory=current_app.extensions["migrate"].directory)
    # Published here so that no page view ever has to write them (two first visits would race).
    with writing():
        current_rules(db.session)
        db.session.commit()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo consultation and one demo account for each role."""
    from consult.demo import load_demo

    # No request context: the notifications the demo records link site-relatively, and mail
    # delivery later turns those into addresses from SITE_URL.
    with writing():
        consultation, accounts = load_demo(db.session)
        db.session.commit()
    click.echo(f"Open for comments: /c/{consultation.slug} ({consultation.title})")
    click.echo("The whole lifecycle (comments, moderation, version 2, response): "
               "/c/federal-source-code-policy")
    click.echo("In English and Welsh (Cymraeg), with a comment in each: /c/play-areas-strategy")
    click.echo("Demo accounts (email / password):")
    for account in accounts:
        click.echo(f"  {account.role:<10} {account.email} / {account.password}")


def _translation_files(options: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """--translation CODE=FILE options as {code: [(file name, text)]}; a bad one stops the import."""
    given: dict[str, list[tuple[str, str]]] = {}
    for option in options:
        code, _, name = option.partition("=")
        if not code or not name:
            _fail(f"--translation {option}: give it as CODE=FILE, e.g. cy=strategy-cy.md.")
        try:
            given[code.strip()] = service.read_files([(name, Path(name).read_bytes())])
        except OSError as exc:
            _fail(f"cannot read {name}: {exc.strerror}")
        except service.ServiceError as exc:
            _fail(str(exc))
    return given


def _parse_when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date-time like 2026-12-01T09:00") from None


def _media_items(folder: Path | None) -> list[tuple[str, bytes]]:
    """Every image under --media DIR, named by its path from DIR's parent ("media/x.png"), so a
    Markdown path like ../media/x.png finds it; other files there are left alone."""
    from documents.media import is_image_name

    if folder is None:
        return []
    return [(path.relative_to(folder.parent).as_posix(), path.read_bytes())
            for path in sorted(folder.rglob("*")) if path.is_file() and is_image_name(path.name)]


def _echo_report(report) -> None:
    lines = report.lines()
    if not lines:
        click.echo("Import report: nothing to warn about.", err=True)
        return
    click.echo(f"Import report ({report.warning_count} warning(s); warnings do not stop the import):",
               err=True)
    for line in lines:
        click.echo(f"  {line}", err=True)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--media", "media_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder of the images the Markdown shows (PNG, JPEG, GIF, WebP, SVG).")
@click.option("--check", is_flag=True, help="Print the import report and store nothing.")
@click.option("--slug", required=True, help="The consultation's address: /c/SLUG.")
@click.option("--title", help="Title (defaults to the document's own title).")
@click.option("--department", default="", help="The department running the consultation.")
@click.option("--summary", default="", help="A one-paragraph summary.")
@click.option("--opens", "opens_at", help="Opening date-time in UTC (ISO 8601).")
@click.option("--closes", "closes_at", help="Closing date-time in UTC (ISO 8601).")
@click.option("--moderation", type=click.Choice(["pre", "post", "reactive"]), default="post")
@click.option("--draft", is_flag=True, help="Import as a draft, not yet public.")
@click.option("--new-version", is_flag=True, help="Add the files as the next version of SLUG.")
@click.option("--note", default="", help="With --new-version: what changed (shown to readers).")
@click.option("--translation", "translations", multiple=True, metavar="CODE=FILE",
              help="The document in another language, e.g. cy=strategy-cy.md (repeat for more).")
@with_appcontext
def import_command(files, media_dir, check, slug, title, department, summary, opens_at, closes_at,
                   moderation, draft, new_version, note, translations) -> None:
    """Import Markdown FILES (joined in the order given) as a consultation or a new version.

    FILES may include a .zip of Markdown files and images; --media DIR adds the images in DIR.
    The import report (images found and missing, links, numbering, empty paragraphs, raw HTML
    removed) is printed before anything is stored.
    """
    from consult.consultations.creation import import_document, read_upload

    try:
        with click.progressbar(files, label="Reading", file=sys.stderr, show_pos=True,
                               item_show_func=lambda path: path.name if path else "") as bar:
            raw = [(str(path), path.read_bytes()) for path in bar]
        upload = read_upload(raw + _media_items(media_dir))
        if not upload.markdown:
            _fail("no Markdown file (.md) among the files given.")
        texts = service.read_files(upload.markdown)
        images = upload.images
    except OSError as exc:
        _fail(f"cannot read {exc.filename}: {exc.strerror}")
    except service.ServiceError as exc:
        _fail(str(exc))
    except ValueError as exc:  # documents.DocumentError: not UTF-8, too large
        _fail(str(exc))
    given = _translation_files(translations)
    click.echo("Numbering paragraphs" + (" and carrying anchors over" if new_version else "") + "...", err=True)
    try:
        imported = import_document(texts, images, upload.skipped)
    except service.ServiceError as exc:
        _fail(str(exc))
    _echo_report(imported.report)
    if check:
        for code, files in given.items():
            try:
                problems = languages.check_translation(imported.document, languages.DEFAULT, code, files).problems
            except languages.TranslationError as exc:
                problems = [str(exc)]
            click.echo(f"{code}: " + (f"{len(problems)} problem(s)" if problems else "aligned"))
            for problem in problems:
                click.echo(f"  - {problem}")
        click.echo(f"Checked: {len(imported.document.paragraphs)} paragraphs, "
                   f"{len(imported.images.used)} image(s); nothing was stored.")
        return
    with writing():
        try:
            with unit_of_work(db.session):
                if new_version:
                    consultation = service.get_consultation(db.session, slug)
                    if consultation is None:
                        _fail(f"there is no consultation '{slug}' to add a version to.")
                    version = service.publish_version(db.session, consultation, texts, note,
                                                      images=images, translations=given)
                else:
                    consultation = service.create_consultation(
                        db.session, slug=slug, files=texts, title=title, department=department,
                        summary=summary, opens_at=_parse_when(opens_at),
                        closes_at=_parse_when(closes_at), moderation_mode=moderation,
                        publish=not draft, images=images,
                    )
                    first = consultation.versions[0]
                    for code, files in given.items():
                        languages.add_translation(db.session, consultation, first, service.as_document(first),
                                                  code, files)
        except languages.TranslationError as exc:
            _fail("\n".join([str(exc), *(f"  - {problem}" for problem in exc.problems)]))
        except service.ServiceError as exc:
            _fail(str(exc))
        if new_version:
            counts = {"unchanged": 0, "edited": 0, "new": 0}
            for p in version.paragraphs:
                counts[p.change] += 1
            click.echo(
                f"Published version {version.number} of /c/{slug}: "
                f"{len(version.paragraphs)} paragraphs ({counts['unchanged']} unchanged, "
                f"{counts['edited']} edited, {counts['new']} new)."
            )
            return
    version = consultation.versions[0]
    shown = len(imported.images.used)
    click.echo(
        f"Imported /c/{slug} \"{consultation.title}\": {len(version.paragraphs)} paragraphs"
        + (f", {shown} image(s)" if shown else "") + f"{' (draft)' if draft else ''}."
    )


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["citizen", "moderator", "official", "admin"]),
              default="citizen")
@click.option("--name", "display_name", default="", help="Display name.")
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_user_command(email, role, display_name, password) -> None:
    """Create a confirmed account with a role."""
    with writing():
        try:
            with unit_of_work(db.session):
                user = create_user(db.session, email, password, display_name=display_name,
                                   role=role, confirmed=True)
        except UserError as exc:
            _fail(str(exc))
    click.echo(f"Created {user.role} {user.email}.")


@click.command("index")
@click.option("--follow", is_flag=True, help="Keep running, applying new changes as they come.")
@with_appcontext
def index_command(follow: bool) -> None:
    """Apply the search change log to this host's index (the single index writer)."""
    from sqlalchemy.orm import Session

    from consult import search

    engine = search.engine(current_app.config)
    if engine.live:  # PostgreSQL's own search: nothing to follow or apply
        click.echo(f"Nothing to do. {engine.maintenance}")
        return
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    if follow:
        click.echo(f"Following the change log into {index_dir} (Ctrl-C to stop).")
        search.follow(index_dir, lambda: Session(db.engine))
        return
    total = 0
    while applied := search.apply_changes(index_dir, db.session):
        total += applied
    click.echo(f"Applied {total} change(s) to {index_dir}.")


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database, from scratch, with a progress bar."""
    from consult import search
    from consult.search import records

    if (engine := search.engine(current_app.config)).live:
        click.echo(f"Nothing to rebuild. {engine.maintenance}")
        return
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    total = records.published_comment_count(db.session)
    with click.progressbar(length=total, label="Indexing published comments",
                           show_pos=True, file=sys.stderr) as bar:
        search.rebuild(index_dir, db.session, progress=bar.update)
        bar.update(total - bar.pos)
    click.echo(f"Rebuilt the search index in {index_dir}.")


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Send the notification mail that is due now (what a worker does every minute)."""
    from consult.jobs import jobs_of
    from consult.notifications import deliver_all_due

    with writing():  # the queue's marks: what a killed worker had sent is not sent again
        done = deliver_all_due(db.session, current_app.config, marks=jobs_of(current_app).marks)
    click.echo(f"Sent {done.sent} message(s); {done.deferred} to try again later; {done.failed} failed for good"
               + (" (see /admin/mail)." if done.failed else "."))
    if done.server_down:
        _fail("The mail server could not be reached; the rest waits and is tried again later.")


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="Jobs run at once in this process (default WORKER_THREADS, 2).")
@click.option("--nice", type=click.IntRange(0, 19), default=10, show_default=True,
              help="Lower this process's CPU priority by this much, so pages stay quick while it works.")
@with_appcontext
def worker_command(threads: int | None, nice: int) -> None:
    """Run background jobs (mail, telling participants, reindexing) until stopped.

    The worker runs at a lower CPU priority than the web processes (`--nice`): on a machine
    that also serves pages, a busy worker takes only the CPU the pages leave, and the pages do
    not slow down while 100,000 participants are being told.
    """
    from consult.jobs import jobs_of, queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threads = threads or int(app.config.get("WORKER_THREADS") or 2)
    if nice:
        os.nice(nice)
    where = f"Redis at {app.config['REDIS_URL']}" if app.config.get("REDIS_URL") else app.config["QUEUE_FILE"]
    click.echo(f"Consult worker: {threads} thread(s) on the queue in {where} (Ctrl-C to stop).")
    queue.run_consumer(jobs_of(app).huey, threads)
