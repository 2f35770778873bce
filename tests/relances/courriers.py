"""E-mail backends for the outbox's fault tests, configured through ``MAILERS``.

Not mocks of our code: each stands for a mail server (it accepts the message) or for the death
of the process at a precise moment of the conversation with it.
"""

import os
import threading
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class Mort(BaseException):  # noqa: N818 - a death, not an error
    """The process dies here (``kill -9``): nothing after this point runs, no handler catches
    it; the open transaction is rolled back, as PostgreSQL does when the connection drops."""


class AccepteEtMeurt(LocmemBackend):
    """The mail server accepts the message (it lands in ``mail.outbox``), then the worker dies
    before its COMMIT."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise Mort("tué après l'acceptation du message")


class Bloquant(LocmemBackend):
    """A slow mail server: blocks inside the conversation until the test lets it go."""

    en_cours = threading.Event()
    liberer = threading.Event()

    def send_messages(self, messages):
        Bloquant.en_cours.set()
        if not Bloquant.liberer.wait(30):
            raise TimeoutError("le test n'a pas libéré le serveur de courriel")
        return super().send_messages(messages)


class BoiteFichiers(BaseEmailBackend):
    """A mail server that the real worker (another process) writes to: one ``.eml`` file per
    accepted message (written then renamed, so a message is there whole or not at all).

    Before each message, a marker ``<n>.debut`` holds the sending process id and the
    ``Message-ID``: the test knows which pool process is in the middle of which send. A
    recipient starting with ``lent`` makes the first conversation about it last ``lent_secondes``
    (a stuck mail server), so the test can kill that process mid-send."""

    def __init__(self, *, file_path, lent_secondes=0.0, alias=None, **kwargs):
        super().__init__(alias=alias, **kwargs)
        self.dossier = Path(file_path)
        self.dossier.mkdir(parents=True, exist_ok=True)
        self.lent_secondes = float(lent_secondes)

    def send_messages(self, messages):
        for message in messages:
            nom = uuid.uuid4().hex
            message_id = message.extra_headers.get("Message-ID", "")
            marqueur = f"{os.getpid()} {message.to[0]} {message_id}"
            (self.dossier / f"{nom}.tmp").write_text(marqueur)
            os.replace(self.dossier / f"{nom}.tmp", self.dossier / f"{nom}.debut")
            if message.to[0].startswith("lent") and self.lent_secondes:
                try:
                    (self.dossier / "lent.vu").open("x").close()
                except FileExistsError:
                    pass
                else:
                    time.sleep(self.lent_secondes)
            temporaire = self.dossier / f"{nom}.tmp"
            temporaire.write_bytes(message.message().as_bytes())
            os.replace(temporaire, self.dossier / f"{nom}.eml")
        return len(messages)


class Journal(BaseEmailBackend):
    """A mail server for the outbox benchmark's real worker (another process): each message is
    serialised as the SMTP backend would (``as_bytes``), then its ``Message-ID`` and recipient
    are appended to ``<pid>.journal`` (one line per accepted message, flushed before returning,
    so a line is there for every message the worker saw accepted)."""

    def __init__(self, *, file_path, alias=None, **kwargs):
        super().__init__(alias=alias, **kwargs)
        self.dossier = Path(file_path)
        self.dossier.mkdir(parents=True, exist_ok=True)

    def send_messages(self, messages):
        with (self.dossier / f"{os.getpid()}.journal").open("a") as journal:
            for message in messages:
                message.message().as_bytes()
                journal.write(f"{message.extra_headers.get('Message-ID', '')} {message.to[0]}\n")
                journal.flush()
        return len(messages)


class MeurtSurPoison(LocmemBackend):
    """The worker dies in the middle of every conversation about a ``poison…`` recipient,
    before the mail server accepted the message (a message that crashes its worker)."""

    def send_messages(self, messages):
        if any(message.to[0].startswith("poison") for message in messages):
            raise Mort("tué pendant l'envoi")
        return super().send_messages(messages)


class Horloge(LocmemBackend):
    """A slow mail server: each accepted message calls ``apres`` (set by the test, e.g. to move
    a ``time_machine`` clock forward and run the dispatcher meanwhile)."""

    apres = None

    def send_messages(self, messages):
        envoyes = super().send_messages(messages)
        if Horloge.apres is not None:
            Horloge.apres(messages)
        return envoyes


class SessionComptee(LocmemBackend):
    """A mail server that counts its sessions: like Django's SMTP backend, ``send_messages``
    opens a session itself when none is open, and closes the one it opened."""

    ouvertures = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ouverte = False

    def open(self):
        if self.ouverte:
            return False
        self.ouverte = True
        SessionComptee.ouvertures += 1
        return True

    def close(self):
        self.ouverte = False

    def send_messages(self, messages):
        nouvelle = self.open()
        try:
            return super().send_messages(messages)
        finally:
            if nouvelle:
                self.close()
