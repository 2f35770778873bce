"""Templated emails: subject, text and HTML bodies in ``templates/emails/``.

Emails never carry confidential content: they link to the application instead. They leave in
the organisation's name (``"<Organisation> via Bilan" <platform address>``).
"""

from email.utils import formataddr, parseaddr
from html import unescape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def sender_for(organisation) -> str:
    """``"<Organisation> via Bilan" <DEFAULT_FROM_EMAIL address>``: replies go nowhere personal."""
    nom, adresse = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if organisation is None:
        return settings.DEFAULT_FROM_EMAIL
    nom = _("%(organisme)s via Bilan") % {"organisme": organisation.raison_sociale}
    return formataddr((nom, adresse))


def _sans_marque_sure(rendu: str) -> str:
    """The rendered part as a plain ``str``. ``render_to_string`` returns a ``SafeString``,
    which a page would print as it is: the text part (rendered with autoescape off, so a
    first name ``<script>`` stays raw) and the HTML part must be escaped like any other data
    wherever they are shown (the preview page, an ``srcdoc`` attribute)."""
    return str.__str__(rendu)


def render_templated_email(*, template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of ``emails/<template>-…``, each a plain ``str`` (never marked
    safe): the text is plain text, the HTML is a document to send, not markup to embed."""
    context = {"site_url": settings.SITE_URL, **context}
    # Subjects are plain text: undo the HTML escaping of the template engine ("L'Atelier").
    subject = unescape(render_to_string(f"emails/{template}-subject.txt", context)).strip()
    text = _sans_marque_sure(render_to_string(f"emails/{template}-body-text.txt", context))
    html = _sans_marque_sure(render_to_string(f"emails/{template}-body-html.html", context))
    return " ".join(subject.split()), text, html


def send_rendered_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    organisation=None,
    message_id: str | None = None,
    mailer: BaseEmailBackend | None = None,
) -> None:
    """Send now (callers that already run after commit, such as the reminder task).
    ``message_id``: a stable ``Message-ID`` (the outbox's, the same for every attempt of a row);
    by default a fresh one. ``mailer``: an open connection shared by a batch (one SMTP session
    for many messages); by default the default mailer, for this message alone."""
    headers = {"Message-ID": message_id} if message_id else None
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=sender_for(organisation), to=[to], headers=headers
    )
    message.attach_alternative(html, "text/html")
    if mailer is None:
        message.send()
    else:
        mailer.send_messages([message])


def send_templated_email_on_commit(*, template: str, to: str, context: dict) -> None:
    """Render now (the data is at hand) and send once the transaction has committed."""
    subject, text, html = render_templated_email(template=template, context=context)
    organisation = context.get("organisation")
    transaction.on_commit(
        lambda: send_rendered_email(
            to=to, subject=subject, text=text, html=html, organisation=organisation
        )
    )
