"""A real SMTP server in the test process (aiosmtpd on a free loopback port).

It speaks SMTP to the app's smtplib exactly as a mail relay would, and records the messages it
accepted. A test can make it refuse an address for good (5xx), refuse for now (4xx), or hold a
message before answering (to kill a worker while it waits).
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from .server import free_port


@dataclass
class SmtpSink:
    """What the server accepted, and how it should answer."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse_for_good: set[str] = field(default_factory=set)   # 550 at RCPT
    refuse_for_now: set[str] = field(default_factory=set)    # 451 at RCPT
    hold_message: int | None = None      # the n-th message (1-based) waits at DATA ...
    holding: threading.Event = field(default_factory=threading.Event)  # ... set while it waits
    release: threading.Event = field(default_factory=threading.Event)  # ... until this is set
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Wait until the server has accepted `count` messages."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return True
            time.sleep(0.02)
        return False

    def config(self) -> dict:
        """The app settings that send mail here."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_FROM": "consult@example.gov"}


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink
        self.seen = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.sink.lock:
            self.sink.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.sink.refuse_for_good:
            return "550 5.1.1 No such mailbox here"
        if address in self.sink.refuse_for_now:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.sink.hold_message == self.seen:
            self.sink.holding.set()
            while not self.sink.release.is_set():
                await asyncio.sleep(0.02)
            # The client has gone (it was killed while waiting): this message was never accepted.
            return "451 4.4.2 Timed out waiting for the client"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1; yields its SmtpSink."""
    sink = SmtpSink(port=free_port())
    controller = Controller(_Handler(sink), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        sink.release.set()
        controller.stop()
