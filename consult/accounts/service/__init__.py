"""The accounts journey as plain functions: register, confirm, sign in, reset, change, delete.

Every function takes the database session and plain values (never the request or the
signed-in user) and leaves committing to the caller. Tokens are signed with the app's secret
key and carry the moment they were issued, so expiry is checked against an explicit `now`.

The parts, each its own module: common (errors, checks on what is typed, signed tokens),
registration (and confirming the address), signin (throttling, known browsers), sessions,
new_password (reset and change), deletion, admin (the user list and roles). Their public names
are all importable from here, as `consult.accounts.service.<name>`.
"""
from __future__ import annotations

from consult.accounts.service.admin import UserPage, list_users, set_role
from consult.accounts.service.common import (
    FORMER_PARTICIPANT,
    MAX_PASSWORD,
    AccountError,
    InvalidToken,
    LoginThrottled,
    MailThrottled,
    check_display_name,
    check_new_password,
    safe_next,
)
from consult.accounts.service.deletion import UNUSABLE_PASSWORD, anonymise, delete_account
from consult.accounts.service.new_password import (
    RESET_MAX_AGE,
    change_password,
    password_changed_message,
    reset_message,
    reset_password,
    reset_token,
    user_for_reset,
    user_for_reset_request,
)
from consult.accounts.service.registration import (
    CONFIRM_MAX_AGE,
    Confirmation,
    Registration,
    already_registered_message,
    confirm_email,
    confirmation_message,
    confirmation_token,
    is_confirmed,
    new_browser_secret,
    register,
    registration_problems,
)
from consult.accounts.service.sessions import (
    SESSION_MAX_AGE,
    end_all_sessions,
    end_session,
    session_is_live,
    start_session,
)
from consult.accounts.service.signin import (
    DEVICE_MAX_AGE,
    LOGIN_WINDOW,
    MAIL_WINDOW,
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_IP,
    MAX_FAILURES_PER_SOURCE,
    MAX_MAILS_PER_EMAIL,
    MAX_MAILS_PER_IP,
    WRONG_CREDENTIALS,
    authenticate,
    check_throttle,
    device_token,
    is_known_browser,
    record_mail_request,
    source_of,
)

__all__ = [
    "UserPage", "list_users", "set_role", "FORMER_PARTICIPANT", "MAX_PASSWORD", "AccountError",
    "InvalidToken", "LoginThrottled", "MailThrottled", "check_display_name", "check_new_password",
    "safe_next", "UNUSABLE_PASSWORD", "anonymise", "delete_account", "RESET_MAX_AGE",
    "change_password", "password_changed_message", "reset_message", "reset_password",
    "reset_token", "user_for_reset", "user_for_reset_request", "CONFIRM_MAX_AGE", "Confirmation",
    "Registration", "already_registered_message", "confirm_email", "confirmation_message",
    "confirmation_token", "is_confirmed", "new_browser_secret", "register",
    "registration_problems", "SESSION_MAX_AGE", "end_all_sessions", "end_session",
    "session_is_live", "start_session", "DEVICE_MAX_AGE", "LOGIN_WINDOW", "MAIL_WINDOW",
    "MAX_FAILURES_PER_ACCOUNT", "MAX_FAILURES_PER_IP", "MAX_FAILURES_PER_SOURCE",
    "MAX_MAILS_PER_EMAIL", "MAX_MAILS_PER_IP", "WRONG_CREDENTIALS", "authenticate",
    "check_throttle", "device_token", "is_known_browser", "record_mail_request", "source_of",
]
