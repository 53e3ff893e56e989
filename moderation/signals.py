"""Signals moderation sends so that the application can update what citizens see.

Each is sent inside the transaction that made the change, with the database session, so a
receiver's changes are committed (or rolled back) together with the moderation record.

- ``decided(sender, session, item, decision)``: a decision on a queue item (approve, reject,
  redact, remove or escalate). Receivers update the comment and tell its author.
- ``hidden(sender, session, item)``: flags reached the threshold; the comment is hidden while
  a moderator reviews it.
- ``sanctioned(sender, session, sanction)``: a user was placed under a measure (pre-moderation,
  a suspension or a ban). Receivers tell the user why and until when.
- ``lifted(sender, session, sanction)``: a moderator lifted a measure in force. Receivers tell
  the user, with the reason when one was given.
"""
from blinker import Namespace

_signals = Namespace()

decided = _signals.signal("moderation-decided")
hidden = _signals.signal("moderation-hidden")
sanctioned = _signals.signal("moderation-sanctioned")
lifted = _signals.signal("moderation-lifted")
