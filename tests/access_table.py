"""Who may reach each page: the access table the security test walks.

Every endpoint in the app must be listed here (a test checks it), so a new route cannot ship
without someone deciding who may see it. Levels:

- "public":    anyone, signed in or not;
- "anonymous": pages for signing in or registering (anyone may load them);
- "signed_in": any signed-in user; anonymous visitors are sent to sign in;
- a role name: users holding that role (or admin); others get 403, anonymous are sent to sign in;
- a tuple of role names: users holding any of them (or admin);
- "dev":       development-only pages (404 in production).
"""

ACCESS = {
    "static": "public",
    "consultations.index": "public",
    "consultations.show": "public",
    "consultations.show_version": "public",
    "consultations.paragraph": "public",
    "consultations.versions": "public",
    "consultations.changes": "public",
    "comments.general": "public",
    "comments.create": "signed_in",
    "comments.create_general": "signed_in",
    "comments.mine": "signed_in",
    "comments.edit": "signed_in",
    "comments.withdraw": "signed_in",
    "accounts.login": "anonymous",
    "accounts.register": "anonymous",
    "accounts.check_email": "anonymous",
    "accounts.confirm": "anonymous",
    "accounts.reset_request": "anonymous",
    "accounts.reset": "anonymous",
    "accounts.logout": "public",  # signing out when signed out just returns home
    "accounts.account": "signed_in",
    "accounts.resend_confirmation": "signed_in",
    "accounts.delete": "signed_in",
    "accounts.change_password": "signed_in",
    "accounts.logout_everywhere": "signed_in",
    "accounts.outbox": "dev",
    "admin.users": "admin",
    "admin.set_role": "admin",
    # Figures of published versions are public; a draft's are for officials (404 otherwise).
    "media.show": "public",
    "manage.index": "official",
    "manage.edit": "official",
    "manage.new": "official",
    "manage.new_version": "official",
    "manage.publish": "official",
    "manage.close": "official",
    "manage.extend": "official",
    "manage.orphaned": "official",
    "manage.reattach": "official",
    "moderation.rules": "public",
    "moderation.statistics": "public",
    "moderation.statistics_csv": "public",
    "moderation.publish_rules": "official",
    # Moderators (and admins) work the queue; officials see and decide what is escalated to them.
    "moderation.queue": ("moderator", "official"),
    "moderation.item": ("moderator", "official"),
    "moderation.decide": ("moderator", "official"),
    "moderation.bulk": "moderator",
    "moderation.user": "moderator",
    "moderation.sanction": "moderator",
    "moderation.revoke": "moderator",
    "moderation.audit": "moderator",
    "moderation.assignments": "admin",
    "moderation.assign": "admin",
    "moderation.unassign": "admin",
    "moderation.confirm_unassign": "admin",
    "moderation.flag": "signed_in",
    "moderation.appeal": "signed_in",
    "favicon": "public",
    "responses.show": "public",
    "responses.markdown": "public",
    "responses.theme_comments": "public",
    "responses.considered": "public",
    "responses.analysis": "official",
    "responses.themes": "official",
    "responses.theme": "official",
    "responses.create_theme": "official",
    "responses.update_theme": "official",
    "responses.merge": "official",
    "responses.assign": "official",
    "responses.unassign": "official",
    "responses.consider": "official",
    "responses.search": "official",
    "responses.uncounted": "official",
    "responses.draft": "official",
    "responses.publish": "official",
    "responses.correct": "official",
    # The public archive, search, open data, feeds and the read-only API.
    "archive.index": "public",
    "archive.search": "public",
    "archive.consultation_search": "public",
    "archive.comments_csv": "public",
    "archive.comments_json": "public",
    "archive.comments_other": "public",
    "feeds.consultations": "public",
    "feeds.responses": "public",
    "feeds.comments": "public",
    "api.consultations": "public",
    "api.consultation": "public",
    "api.versions": "public",
    "api.version": "public",
    "api.comments": "public",
    "api.themes": "public",
    "api.response": "public",
    "api.openapi": "public",
    # Background jobs and mail that failed (consult/jobs/views.py), the rebuild button (consult/search/views.py).
    "jobs.index": "admin",
    "search.reindex": "admin",
    "jobs.show": "admin",
    "jobs.retry": "admin",
    "jobs.failed": "admin",
    "jobs.retry_mail": "admin",
    "jobs.retry_all_mail": "admin",
    # A job's progress as JSON: administrators see every job, officials those telling
    # participants; for anyone else the job does not exist (a 404, never a sign-in redirect
    # or a 403), so here it counts as reachable. tests/test_jobs_pages.py checks who sees what.
    "jobs.progress": "public",
    # Suggested themes and assisted counting (consult/responses/assist_views.py).
    "assist.overview": "official",
    "assist.suggest_themes": "official",
    "assist.suggest_counts": "official",
    "assist.proposal": "official",
    "assist.accept": "official",
    "assist.discard": "official",
    "assist.split": "official",
    "assist.batch": "official",
    "assist.accept_batch": "official",
    "assist.unsure": "official",
}

# Roles from least to most privileged; admin holds every role.
ROLES = ["citizen", "moderator", "official", "admin"]
