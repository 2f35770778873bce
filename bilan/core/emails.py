"""Templated emails: subject, text and HTML bodies in ``templates/emails/``.

Emails never carry confidential content: they link to the application instead.
"""

from html import unescape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def render_templated_email(*, template: str, context: dict) -> tuple[str, str, str]:
    context = {"site_url": settings.SITE_URL, **context}
    # Subjects are plain text: undo the HTML escaping of the template engine ("L'Atelier").
    subject = unescape(render_to_string(f"emails/{template}-subject.txt", context)).strip()
    text = render_to_string(f"emails/{template}-body-text.txt", context)
    html = render_to_string(f"emails/{template}-body-html.html", context)
    return " ".join(subject.split()), text, html


def _send(*, to: str, subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_templated_email(*, template: str, to: str, context: dict) -> None:
    subject, text, html = render_templated_email(template=template, context=context)
    _send(to=to, subject=subject, text=text, html=html)


def send_templated_email_on_commit(*, template: str, to: str, context: dict) -> None:
    """Render now (the data is at hand) and send once the transaction has committed."""
    subject, text, html = render_templated_email(template=template, context=context)
    transaction.on_commit(lambda: _send(to=to, subject=subject, text=text, html=html))
