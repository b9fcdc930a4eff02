"""One record per person: finding the same person again, and flagging probable duplicates.

Both start from who the person is — the folded first and last names (lower case, no
accents: `search_fold`) — read through one index, `user_record_identity` (territory,
folded last name, folded first name). Even a common name leaves a few dozen rows of a
500,000-record territory to compare further, whatever the territory's size.

- Online booking attaches the RDV to an existing record only on strong evidence: the
  same names, the same birth date, and the same e-mail or phone number. A namesake with
  the same e-mail but another birth date (a parent booking for a child, a shared family
  address) is someone else: a new record is created, and the pair flagged.
- Probable duplicates are the same names and one more thing in common (birth date,
  e-mail or phone). They are stored as pairs (`DuplicatePair`) when a record is written,
  so the "Doublons probables" screen reads a short indexed table instead of comparing
  records on every visit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Lower, Right

from territories.search import Fold
from user_records.models import DuplicatePair, DuplicateReason, PhoneDigits, UserRecord

# A person's duplicates, at most: a name shared by hundreds (a test record typed again
# and again) should not fill the screen with one person.
MAX_PAIRS_PER_RECORD = 20
# The national number without its leading 0 or +33: "+33612345678" and "06 12 34 56 78"
# are one number.
PHONE_DIGITS = 9


def national_phone(value: str) -> str:
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else ""


def namesakes(territory, first_name: str, last_name: str) -> QuerySet[UserRecord]:
    """Records of the territory with the same folded names (through the identity index)."""
    return (
        UserRecord.objects.filter(territory=territory)
        .alias(folded_last=Fold(F("last_name")), folded_first=Fold(F("first_name")))
        .filter(folded_last=Fold(Value(last_name)), folded_first=Fold(Value(first_name)))
    )


def _email_q(email: str) -> Q:
    return Q(email_lower=email.strip().lower()) if email and email.strip() else Q(pk__in=[])


def _phone_q(phone: str) -> Q:
    digits = national_phone(phone)
    return Q(phone_national=digits) if digits else Q(pk__in=[])


def _with_contacts(records: QuerySet) -> QuerySet:
    # A shorter number's last digits are fewer than PHONE_DIGITS: they equal no number.
    return records.alias(
        email_lower=Lower("email"), phone_national=Right(PhoneDigits(), PHONE_DIGITS)
    )


def same_person(territory, values: dict[str, Any]) -> UserRecord | None:
    """The territory's record of this person on strong evidence (names, birth date, and
    e-mail or phone), else None. Without a birth date there is no strong evidence."""
    birth_date: date | None = values.get("birth_date")
    if not birth_date:
        return None
    candidates = _with_contacts(
        namesakes(territory, values.get("first_name", ""), values.get("last_name", ""))
    ).filter(birth_date=birth_date)
    contact = _email_q(values.get("email", "")) | _phone_q(values.get("phone", ""))
    # The oldest one when several match: duplicates among them are flagged already.
    return candidates.filter(contact).order_by("pk").first()


def reason_between(record: UserRecord, other: UserRecord) -> str | None:
    if record.birth_date and record.birth_date == other.birth_date:
        return DuplicateReason.BIRTH_DATE
    if record.email and record.email.strip().lower() == (other.email or "").strip().lower():
        return DuplicateReason.EMAIL
    digits = national_phone(record.phone)
    if digits and digits == national_phone(other.phone):
        return DuplicateReason.PHONE
    return None


def flag_duplicates(record: UserRecord) -> list[DuplicatePair]:
    """Store the pairs `record` forms with its probable duplicates (pairs already known,
    dismissed ones included, are left as they are). One indexed query, one insert."""
    condition = _email_q(record.email) | _phone_q(record.phone)
    if record.birth_date:
        condition |= Q(birth_date=record.birth_date)
    others = (
        _with_contacts(namesakes(record.territory_id, record.first_name, record.last_name))
        .exclude(pk=record.pk)
        .filter(condition)
        .order_by("pk")[:MAX_PAIRS_PER_RECORD]
    )
    pairs = []
    for other in others:
        reason = reason_between(record, other)
        if reason is None:  # e.g. a phone number too short to compare
            continue
        first, second = sorted([record.pk, other.pk])
        pairs.append(
            DuplicatePair(
                territory_id=record.territory_id, first_id=first, second_id=second, reason=reason
            )
        )
    return DuplicatePair.objects.bulk_create(pairs, ignore_conflicts=True)
