"""The processing register: what the shop processes, why, on which basis, for how long.

The register is the spine of gdprkit (DESIGN.md): consent purposes, retention rules, access
reports and portability scope are all read from it, so they cannot disagree.  A shop declares it
once, in code or in a TOML file (see ``examples/register.toml``), and checks it with
``gdprkit check register.toml`` in CI.

Example:
    >>> from gdprkit.register import Controller, Purpose, Register
    >>> reg = Register(
    ...     controller=Controller(name="Shop", contact="privacy@shop.example",
    ...                           supervisory_authority="Information and Privacy Agency (AIP)"),
    ...     purposes=[Purpose(id="orders", description="Order fulfilment", basis="contract",
    ...                       categories=["identity", "delivery"],
    ...                       requirement="Needed to deliver your order",
    ...                       retention={"description": "10 years (book-keeping)",
    ...                                  "period": "10 years", "trigger": "order_delivered"})],
    ... )
    >>> reg.lint()
    []
"""

from __future__ import annotations

from gdprkit.register._duration import Duration, DurationUnit
from gdprkit.register._io import load_register, register_from_dict, register_to_dict
from gdprkit.register._lint import Finding, Severity, lint_register
from gdprkit.register._model import (
    EEA_COUNTRIES,
    Controller,
    Provenance,
    Purpose,
    Recipient,
    RecipientRole,
    Register,
    Retention,
    RetentionAction,
    Safeguard,
    Transfer,
)
from gdprkit.register._policy import (
    AutomatedDecision,
    Blocker,
    BlockerReason,
    Cookie,
    CookieKind,
    CustomCategory,
    DecisionException,
    Operation,
    Promises,
    StatutoryOf,
    StatutoryReference,
)

__all__ = [
    "EEA_COUNTRIES",
    "AutomatedDecision",
    "Blocker",
    "BlockerReason",
    "Controller",
    "Cookie",
    "CookieKind",
    "CustomCategory",
    "DecisionException",
    "Duration",
    "DurationUnit",
    "Finding",
    "Operation",
    "Promises",
    "Provenance",
    "Purpose",
    "Recipient",
    "RecipientRole",
    "Register",
    "Retention",
    "RetentionAction",
    "Safeguard",
    "Severity",
    "StatutoryOf",
    "StatutoryReference",
    "Transfer",
    "lint_register",
    "load_register",
    "register_from_dict",
    "register_to_dict",
]
