"""A taxonomy of personal-data categories, covering every category the shops' policies name.

Each category has a stable storage code, a human label, whether it is a special category of
Art. 9(1) GDPR [S1], and the W3C DPV personal-data category it maps to
(``https://w3id.org/dpv/pd#``) where DPV has one.

Example:
    >>> from gdprkit.law import DataCategory
    >>> DataCategory.IP_ADDRESS.label
    'IP address'
    >>> DataCategory.HEALTH.special
    True
    >>> DataCategory.parse("contact") is DataCategory.CONTACT
    True
"""

from __future__ import annotations

import enum

from gdprkit.errors import InvalidInput

__all__ = ["DPV_PD_NAMESPACE", "DataCategory"]

DPV_PD_NAMESPACE = "https://w3id.org/dpv/pd#"


class DataCategory(str, enum.Enum):
    """A category of personal data, with its Art. 9 flag and DPV mapping.

    Example:
        >>> DataCategory.PAYMENT.dpv_iri
        'https://w3id.org/dpv/pd#Payment'
        >>> [c.value for c in DataCategory if c.special][:2]
        ['racial_ethnic_origin', 'political_opinions']
    """

    label: str
    special: bool
    dpv_id: str | None

    def __new__(
        cls, value: str, label: str, dpv_id: str | None, special: bool = False
    ) -> DataCategory:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        obj.dpv_id = dpv_id
        obj.special = special
        return obj

    def __str__(self) -> str:
        return str.__str__(self)

    @property
    def dpv_iri(self) -> str | None:
        """The full DPV IRI, or ``None`` where DPV has no matching category."""
        return None if self.dpv_id is None else DPV_PD_NAMESPACE + self.dpv_id

    @classmethod
    def parse(cls, value: object) -> DataCategory:
        """Return the category for a storage code.

        Raises:
            InvalidInput: the code is unknown (the message lists the accepted codes).
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            text = value.strip()
            for member in cls:
                if member.value == text:
                    return member
        accepted = ", ".join(m.value for m in cls)
        raise InvalidInput(f"unknown data category: expected one of {accepted}")

    # -- ordinary categories named in shops' policies ------------------------------------------
    IDENTITY = ("identity", "Identity (name, customer number)", "Identifying")
    CONTACT = ("contact", "Contact details (e-mail, phone, address)", "Contact")
    DELIVERY = ("delivery", "Delivery and recipient details", "PhysicalAddress")
    ORDER_HISTORY = ("order_history", "Orders and purchase history", "PurchaseHistory")
    PAYMENT = ("payment", "Payment details", "Payment")
    CREDIT = ("credit", "Credit information and credit checks", "CreditWorthiness")
    ACCOUNT = ("account", "Account and membership", "Account")
    IP_ADDRESS = ("ip_address", "IP address", "IPAddress")
    DEVICE = ("device", "Device, browser and operating system", "DeviceBased")
    USAGE = ("usage", "Usage, clickstream and navigation", "BrowsingBehavior")
    LOCATION = ("location", "Location (including from the IP address)", "Location")
    CORRESPONDENCE = ("correspondence", "Correspondence (e-mails, chats, calls)", "Communication")
    VIDEO = ("video", "Video footage (CCTV)", "PhotographicImage")
    PHOTOGRAPH = ("photograph", "Photographs", "PhotographicImage")
    BIRTH_DATE = ("birth_date", "Date of birth or age", "DateOfBirth")
    GENDER = ("gender", "Gender", "Gender")
    PREFERENCES = ("preferences", "Preferences and interests", "Preference")
    SEARCH_HISTORY = ("search_history", "Search history", "SearchHistory")
    # -- special categories of Art. 9(1) GDPR -----------------------------------------------------
    RACIAL_ETHNIC_ORIGIN = ("racial_ethnic_origin", "Racial or ethnic origin", "Race", True)
    POLITICAL_OPINIONS = ("political_opinions", "Political opinions", "PoliticalOpinion", True)
    RELIGIOUS_BELIEFS = (
        "religious_beliefs",
        "Religious or philosophical beliefs",
        "Religion",
        True,
    )
    TRADE_UNION = ("trade_union", "Trade-union membership", "TradeUnionMembership", True)
    GENETIC = ("genetic", "Genetic data", "Genetic", True)
    BIOMETRIC = ("biometric", "Biometric data for unique identification", "Biometric", True)
    HEALTH = ("health", "Data concerning health", "Health", True)
    SEX_LIFE = ("sex_life", "Sex life or sexual orientation", "SexualOrientation", True)
