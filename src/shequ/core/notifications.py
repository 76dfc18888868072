"""Notifications (DESIGN §3): one ``notify()``; in-app always, SMS and e-mail on request.

In-app messages are ``Notification`` rows, written at once in the caller's transaction. An outside
message is a ``Delivery`` row (destination masked) plus a ``send_delivery`` task enqueued after
commit; the destination and text travel with the task, encrypted, never in a database column —
an SMS may carry a sign-in code.

SMS backends (``settings.SHEQU_SMS_BACKEND``):

``console``
    logs the masked number and the text (development: the sign-in code is read off the console).
``database``
    records the ``Delivery`` row only.
``http``
    POSTs ``SHEQU_SMS_TEMPLATE`` (placeholders ``{phone}``, ``{text}``, ``{topic}``) to
    ``SHEQU_SMS_GATEWAY_URL`` with ``Authorization: Bearer SHEQU_SMS_GATEWAY_TOKEN``. A template
    starting with ``{`` or ``[`` is sent as JSON (values JSON-escaped), anything else as a form
    (values URL-encoded).

E-mail goes through Django's mail framework (``EMAIL_BACKEND``).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext

from shequ.core import calendar, crypto, tasks
from shequ.core.masking import mask_phone
from shequ.core.models import Delivery, DeliveryStatus, Notification

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

SMS = "sms"
EMAIL = "email"
HTTP_TIMEOUT_SECONDS = 10
_PLACEHOLDER = re.compile(r"\{(phone|text|topic)\}")


class Recipient(Protocol):
    """What ``notify`` needs of a user (``accounts.User``; core sits below accounts)."""

    pk: Any
    phone: str
    email: str
    is_active: bool
    preferred_language: str


class DeliveryError(Exception):
    """A send failed; the message is short and holds neither the destination nor the text."""


# --- Sending --------------------------------------------------------------------------------------


def notify(
    *,
    recipients: Iterable[Recipient],
    topic: str,
    subject: StrOrPromise,
    body: StrOrPromise,
    url: str = "",
    sms: bool = False,
    email: bool = False,
) -> list[Notification]:
    """Tell ``recipients`` something: an inbox row each, plus an SMS and/or e-mail if asked.

    Call inside the transaction of the change the message is about: the inbox rows commit with it,
    SMS and e-mail leave only once it has committed. Lazy (``gettext_lazy``) subject and body are
    rendered in each recipient's language. Recipients without a phone number (or e-mail address),
    or no longer active, get no SMS (or e-mail). Returns the inbox rows.
    """
    created_at = calendar.now()
    rows: list[Notification] = []
    outgoing: list[tuple[Delivery, dict[str, str]]] = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject_text, body_text = str(subject), str(body)
            sms_text = (
                gettext("{subject}：{body}").format(subject=subject_text, body=body_text)
                if body_text
                else subject_text
            )
        rows.append(
            Notification(
                recipient_id=user.pk,
                topic=topic,
                subject=subject_text[:200],
                body=body_text,
                url=url,
                created_at=created_at,
            )
        )
        if not user.is_active:
            continue
        if sms and user.phone:
            outgoing.append(_sms_delivery(user.phone, topic, sms_text))
        if email and user.email:
            outgoing.append(
                _email_delivery(user.email, topic, subject_text, _email_body(body_text, url))
            )
    Notification.objects.bulk_create(rows)
    if outgoing:
        Delivery.objects.bulk_create([delivery for delivery, _ in outgoing])
        for delivery, payload in outgoing:
            _enqueue(delivery, payload)
    return rows


def send_sms(phone: str, text: str, topic: str) -> Delivery:
    """Send one SMS to a number, whether or not it belongs to a user yet (sign-in codes).

    Returns the ``Delivery`` row; the text itself is never stored.
    """
    if not phone:
        raise ValueError("phone is required")
    delivery, payload = _sms_delivery(phone, topic, text)
    delivery.save()
    _enqueue(delivery, payload)
    return delivery


def _sms_delivery(phone: str, topic: str, text: str) -> tuple[Delivery, dict[str, str]]:
    delivery = Delivery(
        channel=SMS,
        backend=str(settings.SHEQU_SMS_BACKEND),
        destination_masked=mask_phone(phone),
        topic=topic,
        created_at=calendar.now(),
    )
    return delivery, {"to": phone, "text": text}


def _email_delivery(
    address: str, topic: str, subject: str, body: str
) -> tuple[Delivery, dict[str, str]]:
    backend = str(settings.EMAIL_BACKEND).rsplit(".", 2)
    delivery = Delivery(
        channel=EMAIL,
        backend=(backend[-2] if len(backend) == 3 else backend[-1])[:40],
        destination_masked=mask_email(address),
        topic=topic,
        created_at=calendar.now(),
    )
    return delivery, {"to": address, "subject": subject, "text": body}


def _email_body(body: str, url: str) -> str:
    if not url:
        return body
    if url.startswith("/"):
        url = str(getattr(settings, "SHEQU_BASE_URL", "")).rstrip("/") + url
    return f"{body}\n\n{url}" if body else url


def mask_email(address: str) -> str:
    """``zhangsan@example.com`` → ``zh***@example.com``."""
    local, at, domain = address.partition("@")
    if not at:
        return "*" * min(len(address), 12)
    return f"{local[:2]}***@{domain}"[:64]


def _payload_context(delivery_id: int) -> str:
    # Binds the sealed payload to its delivery: it cannot be replayed against another row.
    return f"core.Delivery.{delivery_id}.payload"


def _enqueue(delivery: Delivery, payload: dict[str, str]) -> None:
    sealed = crypto.encrypt(json.dumps(payload), context=_payload_context(delivery.pk))
    tasks.enqueue(tasks.send_delivery, delivery.pk, sealed)


def deliver(delivery_id: int, sealed_payload: str) -> str:
    """Send a queued delivery (the body of the ``send_delivery`` task). Idempotent: a delivery that
    is no longer queued is left alone. Failures are recorded on the row, not raised."""
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        logger.warning("delivery %s no longer exists", delivery_id)
        return "missing"
    if delivery.status != DeliveryStatus.QUEUED:
        return str(delivery.status)
    payload: dict[str, str] = json.loads(
        crypto.decrypt(sealed_payload, context=_payload_context(delivery_id))
    )
    status, error = DeliveryStatus.SENT, ""
    try:
        if delivery.channel == SMS:
            sender = SMS_BACKENDS.get(delivery.backend)
            if sender is None:
                raise DeliveryError(f"unknown SMS backend {delivery.backend!r}")
            sender(payload["to"], payload["text"], delivery)
        elif delivery.channel == EMAIL:
            send_mail(payload["subject"], payload["text"], None, [payload["to"]])
        else:
            raise DeliveryError(f"unknown channel {delivery.channel!r}")
    except Exception as exc:
        status, error = DeliveryStatus.FAILED, _short_error(exc, payload, delivery)
        logger.warning(
            "delivery %s (%s to %s) failed: %s",
            delivery.pk,
            delivery.channel,
            delivery.destination_masked,
            error,
        )
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.QUEUED).update(
        status=status,
        error=error,
        sent_at=calendar.now() if status == DeliveryStatus.SENT else None,
    )
    return str(status)


def _short_error(exc: Exception, payload: dict[str, str], delivery: Delivery) -> str:
    """A one-line reason, with the destination masked and the text cut out, under 300 characters."""
    message = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
    destination, text = payload.get("to", ""), payload.get("text", "")
    if destination:
        message = message.replace(destination, delivery.destination_masked)
    if text:
        message = message.replace(text, "…")
    return message.replace("\n", " ")[:300]


# --- SMS backends ---------------------------------------------------------------------------------


def _sms_console(phone: str, text: str, delivery: Delivery) -> None:
    logger.info("SMS [%s] to %s: %s", delivery.topic, mask_phone(phone), text)


def _sms_database(phone: str, text: str, delivery: Delivery) -> None:
    """The ``Delivery`` row is the whole of it."""


def _sms_http(phone: str, text: str, delivery: Delivery) -> None:
    url = str(settings.SHEQU_SMS_GATEWAY_URL)
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise DeliveryError("SHEQU_SMS_GATEWAY_URL is not an http(s) URL")
    body, content_type = fill_template(
        str(settings.SHEQU_SMS_TEMPLATE), phone=phone, text=text, topic=delivery.topic
    )
    headers = {"Content-Type": content_type, "User-Agent": "shequ"}
    token = str(settings.SHEQU_SMS_GATEWAY_TOKEN)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"gateway answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"gateway unreachable: {exc.reason}") from None
    except TimeoutError:
        raise DeliveryError(f"gateway timed out after {HTTP_TIMEOUT_SECONDS} s") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"gateway answered HTTP {status}")


def fill_template(template: str, **values: str) -> tuple[str, str]:
    """(body, content type) of the gateway request: placeholders filled, escaped for the format."""
    as_json = template.lstrip().startswith(("{", "["))

    def escape(value: str) -> str:
        if as_json:
            return json.dumps(value, ensure_ascii=False)[1:-1]
        return urllib.parse.quote_plus(value)

    content_type = (
        "application/json; charset=utf-8"
        if as_json
        else "application/x-www-form-urlencoded; charset=utf-8"
    )
    body = _PLACEHOLDER.sub(lambda match: escape(values.get(match.group(1), "")), template)
    return body, content_type


SMS_BACKENDS: dict[str, Callable[[str, str, Delivery], None]] = {
    "console": _sms_console,
    "database": _sms_database,
    "http": _sms_http,
}


# --- Inbox ----------------------------------------------------------------------------------------


def inbox(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user)


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications with these ids (all, if ``ids`` is None) as read.

    Ids of other users' notifications are ignored. Returns how many changed.
    """
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=calendar.now())
