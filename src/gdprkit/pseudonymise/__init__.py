"""Pseudonymisation: a key ring, keyed tokens, reversible tokens, crypto-shredding, record policies.

Everything here is *pseudonymisation* in the sense of Art. 4(5) GDPR, never anonymisation: the
results stay personal data (Recital 26 GDPR [S1]) for anyone who holds the key ring. Only
keyed techniques are offered; a plain hash of an identifier is not, because guessable inputs (IPv4
addresses, e-mail addresses, phone numbers) are reversed by brute force (ENISA 2019 §6.1, §7.2
[S208]). See the docs page "Pseudonymisation" for choosing a technique.

Example:
    >>> from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
    >>> ring = KeyRing.generate()
    >>> p = Pseudonymiser(ring, domain="email", canonicaliser=canonical.email_lower)
    >>> p.matches("ann@shop.example", p.token("Ann@Shop.Example"))
    True
"""

from __future__ import annotations

from gdprkit.pseudonymise import canonical, records
from gdprkit.pseudonymise.keyring import KeyRing
from gdprkit.pseudonymise.records import FieldAction, Masker, RecordPolicy, UnknownFields
from gdprkit.pseudonymise.reversible import ReversiblePseudonymiser
from gdprkit.pseudonymise.shredding import (
    MemorySubjectKeyStore,
    SQLiteSubjectKeyStore,
    SubjectKeys,
    SubjectKeyStore,
    WrappedKey,
)
from gdprkit.pseudonymise.tokens import Pseudonymiser

__all__ = [
    "FieldAction",
    "KeyRing",
    "Masker",
    "MemorySubjectKeyStore",
    "Pseudonymiser",
    "RecordPolicy",
    "ReversiblePseudonymiser",
    "SQLiteSubjectKeyStore",
    "SubjectKeyStore",
    "SubjectKeys",
    "UnknownFields",
    "WrappedKey",
    "canonical",
    "records",
]
