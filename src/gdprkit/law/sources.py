"""How sure a fact of law is, and where it comes from: :class:`Status` and :class:`Source`.

Every entry of gdprkit's legal tables (ages of digital consent, statutory retention periods)
carries a status — ✅ confirmed from primary text, 🟡 secondary sources only, ❌ unconfirmed —
and the sources ``[Sn]`` it rests on, with their text and link.  A status is never upgraded in
code, and ❌ rows are never shipped as defaults.  :data:`SOURCES` is published in the docs as
the sources table, so every ``[Sn]`` gdprkit prints can be followed.  Numbers below 200 are
those of the project's fact sheet; S200 and above are primary texts gdprkit added where the
fact sheet had none or differed from the text.

Example:
    >>> from gdprkit.law.sources import SOURCES, Status
    >>> Status.SECONDARY.symbol
    '🟡'
    >>> str(SOURCES["S15"])[:40]
    '[S15] cylaw.org, Law 125(I)/2018 s. 8, h'
"""

from __future__ import annotations

import enum
import re
import types
from collections.abc import Mapping
from typing import Any

import attrs

from gdprkit.errors import InvalidInput, InvalidType, NotFound

__all__ = ["SOURCES", "Source", "Status", "source"]

_REF = re.compile(r"S[1-9][0-9]*")
_URL = re.compile(r"https?://[^\s]+")


class Status(str, enum.Enum):
    """How well a fact of law is established.

    Example:
        >>> Status("confirmed").symbol
        '✅'
        >>> Status.parse("🟡") is Status.SECONDARY
        True
    """

    CONFIRMED = "confirmed"
    """✅ confirmed from the primary text (the statute, the regulator's own page)."""
    SECONDARY = "secondary"
    """🟡 from secondary sources only (trackers, law firms, press); check before relying on it."""
    UNCONFIRMED = "unconfirmed"
    """❌ not confirmed; never shipped as a default, used only to mark open questions."""

    def __str__(self) -> str:
        return str.__str__(self)

    @property
    def symbol(self) -> str:
        """The symbol gdprkit prints for this status (✅, 🟡 or ❌)."""
        return _SYMBOLS[self]

    @classmethod
    def parse(cls, value: object) -> Status:
        """Return the status for its value (``"secondary"``) or its symbol (``"🟡"``).

        Raises:
            InvalidInput: ``value`` is neither; the message lists the accepted values.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            for member in cls:
                if value.strip() in (member.value, member.symbol):
                    return member
        accepted = ", ".join(f"{m.value!r} ({m.symbol})" for m in cls)
        raise InvalidInput(f"unknown status: expected one of {accepted}")


_SYMBOLS = {Status.CONFIRMED: "✅", Status.SECONDARY: "🟡", Status.UNCONFIRMED: "❌"}


def _check_ref(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _REF.fullmatch(value):
        raise InvalidInput(f"{attribute.name} must look like 'S10' (a source number)")


def _check_text(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{attribute.name} must be a non-empty string")


@attrs.frozen
class Source:
    """A source: its number (``"S10"``) and its bibliographic text, with its link where known.

    Raises:
        InvalidInput: ``ref`` is not of the form ``S<n>`` or ``text`` is empty.

    Example:
        >>> Source("S99", "A law-firm note").to_dict()
        {'ref': 'S99', 'text': 'A law-firm note'}
    """

    ref: str = attrs.field(validator=_check_ref)
    text: str = attrs.field(validator=_check_text)

    def __str__(self) -> str:
        return f"[{self.ref}] {self.text}"

    @property
    def url(self) -> str | None:
        """The first link in :attr:`text`, or ``None`` where the source has none.

        Example:
            >>> Source("S99", "Act X, https://example.org/act-x ; commentary").url
            'https://example.org/act-x'
        """
        match = _URL.search(self.text)
        return None if match is None else match.group(0).rstrip(".,;)")

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-compatible dict; :meth:`from_dict` reads it back."""
        return {"ref": self.ref, "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Source:
        """Build a source from :meth:`to_dict` output.

        Raises:
            InvalidType: ``data`` is not a mapping.
            InvalidInput: a key is missing or a value is invalid.
        """
        if not isinstance(data, Mapping):
            raise InvalidType(f"source must be a mapping, got {type(data).__name__}")
        try:
            return cls(ref=data["ref"], text=data["text"])
        except KeyError as exc:
            raise InvalidInput(f"source is missing key {exc.args[0]!r}") from None


def _source(ref: str, text: str) -> Source:
    return Source(ref, text)


# The sources gdprkit.law's tables and period rules cite: the fact sheet's, copied verbatim,
# then the primary texts gdprkit added (S200 and above).
SOURCES: Mapping[str, Source] = types.MappingProxyType(
    {
        s.ref: s
        for s in (
            _source(
                "S1",
                "Regulation (EU) 2016/679 (GDPR), EUR-Lex CELEX 32016R0679, "
                "https://eur-lex.europa.eu/eli/reg/2016/679/oj — articles 4, 6, 7, 8, 9, "
                "12, 13, 14, 15, 17, 18, 21, 22, 30, 33, 34 and recitals 26, 28, 29, 30, "
                "32, 38, 42, 43, 47, 59, 65, 68, 78, 85.",
            ),
            _source(
                "S5",
                "Regulation (EEC, Euratom) No 1182/71, OJ L 124, 8.6.1971, p. 1 (CELEX "
                "31971R1182), text via Harvard Dataverse record doi:10.7910/DVN/0EGYWY "
                "(Arts 1, 2(1)); EUR-Lex "
                "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:31971R1182.",
            ),
            _source(
                "S6",
                "Regulation 1182/71 Arts 3(1), 3(2)(c), 3(4), as quoted verbatim on "
                "wordscope.be: http://wordscope.be/engels/nederlands/X-hour+week.html, "
                "http://www.wordscope.be/anglais/francais/day+taking+questions.html, "
                "http://wordscope.be/anglais/francais/ended+last+june.html.",
            ),
            _source(
                "S10",
                'Bird & Bird GDPR tracker, "Children", '
                "https://www.twobirds.com/en/capabilities/practices/privacy-and-data-protection/general-data-protection-regulation/gdpr-tracker/children "  # noqa: E501 - a URL
                "(and /en/in-focus/… version).",
            ),
            _source(
                "S11",
                'DataGuidance, "EU: Age of consent for children", '
                "https://platform.dataguidance.com/opinion/eu-age-consent-children",
            ),
            _source(
                "S12",
                'GDPRhub, "Data Protection in Bulgaria", '
                "https://gdprhub.eu/index.php?title=Data_Protection_in_Bulgaria",
            ),
            _source(
                "S13",
                "CPDP, Personal Data Protection Act (English), "
                "https://cpdp.bg/en/legislation/personal-data-protection-act",
            ),
            _source(
                "S14",
                'javni-sektor.hr, "Mišljenja Agencije za zaštitu osobnih podataka" '
                "(quotes Art. 19(1) of the Croatian GDPR Implementation Act).",
            ),
            _source(
                "S15",
                "cylaw.org, Law 125(I)/2018 s. 8, "
                "http://www.cylaw.org/nomoi/enop/ind/2018_1_125/section-sc37ee18bb-ce6a-46ae-9441-b2ce6c435b56.html",
            ),
            _source(
                "S16",
                'cyprus-faq.com, "Cyprus prepares law to regulate internet access for '
                'teenagers under 16" (2025).',
            ),
            _source(
                "S17",
                "Andmekaitse Inspektsioon (Estonia), answer letter 2.2-9/25/645-2 of "
                "12.03.2025 (document register copy at "
                "dokumendiregistrid.karlerss.com/dokumendid/504072).",
            ),
            _source(
                "S18",
                'activeMind.legal, "Legal basis under Greek data protection law", '
                "https://www.activemind.legal/law/gr-legal-basis/",
            ),
            _source(
                "S19",
                "opengov.gr, draft law, Art. 21, http://www.opengov.gr/ministryofjustice/?p=10627",
            ),
            _source(
                "S20",
                'Citizens Information (Ireland), "Overview of GDPR — digital age of '
                'consent" (chunk in `JohnDennehy101/citizenInformationChat`).',
            ),
            _source(
                "S21",
                'NJORD, "Work on national personal data processing law" (Latvia, 2018), '
                "https://njordlaw.com/work-national-personal-data-processing-law",
            ),
            _source(
                "S22",
                "Personal Data Processing Law (Latvia), English, "
                "https://likumi.lv/ta/en/en/id/300099-personal-data-processing-law",
            ),
            _source(
                "S23",
                "Delfi.lt opinion article on information society services and minors, "
                "https://m.delfi.lt/verslas/nuomones/article.php?id=86942303",
            ),
            _source("S24", 'luxgap.com, "Recital 38 — Luxembourg specificity".'),
            _source(
                "S25",
                "French Senate debate transcript (nossenateurs.fr, intervention 1870681): "
                '"L\'Allemagne et le Luxembourg ont ainsi choisi seize ans".',
            ),
            _source(
                "S26", "Alston & Bird GDPR tracker, Malta, https://www.alstongdprtracker.com/malta/"
            ),
            _source(
                "S27",
                'White & Case, "GDPR Guide to National Implementation: Malta" (lists SL 586.11).',
            ),
            _source(
                "S28",
                "eduprofs.blogspot.com (Feb 2026) quoting the explanatory memorandum of "
                'Projeto de Lei 398/XVII: "A Lei nº 58/2019 … estabelece o limite de 13 '
                'anos".',
            ),
            _source(
                "S29",
                "dnoticias.pt (13 Feb 2026); CNN Portugal (12 Feb 2026) on Projeto de Lei "
                "398/XVII.",
            ),
            _source(
                "S30", "ziarulunirea.ro / digi24 (2018), GDPR Art. 8 applies in Romania at 16."
            ),
            _source(
                "S31",
                'romania-insider.com, "Romania close to adopting digital adulthood law" '
                "(Oct 2025); adz.news.",
            ),
            _source(
                "S32",
                'Karanovic & Partners, "The Novelties Brought by the New Personal Data '
                'Protection Act" (Slovenia).',
            ),
            _source(
                "S33",
                'Jadek & Pensa, "Slovenia finally one step closer to the new Data '
                'protection act" (Jan 2022); sn-p.si on ZVOP-2 entry into force.',
            ),
            _source("S34", 'clym.io, "Data Protection and Processing Act Iceland".'),
            _source(
                "S35",
                'eliechtensteinensia.li, thesis "Das liechtensteinische Datenschutzrecht '
                'im Lichte der DS-GVO" (law as of Jan 2018), p. 139; de.editorialge.com.',
            ),
            _source(
                "S36",
                'Datatilsynet (Norway), "Barn og unge forbrukere", '
                "https://www.datatilsynet.no/personvern-pa-ulike-omrader/kundehandtering-handel-og-medlemskap/digitale-tjenester-og-forbrukeres-personopplysninger/barn-og-unge-forbrukere/",
            ),
            _source(
                "S37",
                "Advokatforeningen (Norway), consultation response (Oct 2025) on raising "
                "the age from 13 to 15.",
            ),
            _source(
                "S38",
                'abnase.com, "Information and Privacy Agency: TikTok should change the '
                'age of use" (quoting Commissioner K. Dermaku to KosovaPress).',
            ),
            _source(
                "S39",
                "lajmi.net (Dec 2023), AIP press release on TikTok raising its minimum age to 16.",
            ),
            _source(
                "S40",
                'ARS Firm, "La legge n. 124/2024 sulla protezione dei dati personali", '
                "https://arsfirm.al/it/la-legge-n-124-2024-sulla-protezione-dei-dati-personali",
            ),
            _source("S41", 'clym.io, "Law No. 124/2024 On Personal Data Protection Albania".'),
            _source(
                "S42",
                'KPMG Albania, "New law on personal data protection" (Feb 2025); DLA '
                "Piper Data Protection Laws of the World, Albania.",
            ),
            _source(
                "S43",
                "vacanza/holidays, `holidays/countries/bulgaria.py` (Liberation Day, 3 "
                "March; observed days) and other BG holiday tables in public code.",
            ),
            _source(
                "S44",
                "vacanza/holidays, `holidays/countries/kosovo.py` (country `XK`, Law No. "
                "03/L-064 on Public Holidays), `albania.py`, `latvia.py`, `bulgaria.py`.",
            ),
            _source(
                "S45",
                'Delchev & Partners, "Legal Alert – New Accountancy Act 2016", '
                "https://www.delchev-lawfirm.com/publications2/legal-alert-new-accountancy-act-2016-en-2/",
            ),
            _source(
                "S46",
                "Accounting Law (Latvia), English, "
                "https://likumi.lv/ta/en/en/id/324249-accounting-law",
            ),
            _source(
                "S47",
                'Mindlink, "New rules for storing documents once new Accounting Act takes '
                'effect" (Latvia).',
            ),
            _source(
                "S48",
                'Boga & Associates, "New law governing accounting" (Kosovo, Law '
                "04/L-014), https://bogalaw.com/library/New_law_governing_accounting.html",
            ),
            _source(
                "S49",
                "Law No. 06/L-032 on Accounting, Financial Reporting and Auditing, "
                "Official Gazette of Kosovo No. 3, 19 Apr 2018, "
                "https://gzk.rks-gov.net/ActDocumentDetail.aspx?ActID=16268 ; KPMG "
                "Albania news on the law.",
            ),
            _source("S50", 'Orbitax, Albania "Books and Records".'),
            _source("S51", "Boga & Associates Tax Alert 02/18 (Law 25/2018), via mondaq.com."),
            _source(
                "S52", 'VATupdate, "Albania: Rules for storing … fiscal receipts" (29 Nov 2025).'
            ),
            _source(
                "S53",
                'Haufe, "Bürokratieentlastungsgesetz: Aufbewahrungspflichten verkürzt" (Oct 2024).',
            ),
            _source("S54", "muchowitsch.de, summary of §147 AO after BEG IV."),
            _source("S55", 'akanthus WPG, "Verkürzung von Aufbewahrungsfristen".'),
            _source(
                "S56",
                'deltic.fr, "Quelle est la durée de conservation des documents comptables ?".',
            ),
            _source(
                "S57",
                "idfcompetences.fr (table citing Code de commerce L123-22 and LPF L102 "
                "B); blogarchivage.fr.",
            ),
            _source(
                "S58",
                'Unternehmensserviceportal (Austrian BMF), "Aufbewahrungspflicht", '
                "https://usp.gv.at/steuern-finanzen/steuerliche-gewinnermittlung/weitere-informationen-zur-steuerlichen-gewinnermittlung/betriebliches-rechnungswesen/aufbewahrungspflicht.html",
            ),
            _source(
                "S59",
                "gesetzefinden.at, BAO §132, "
                "https://gesetzefinden.at/bundesrecht/bundesgesetze/bao/para-132",
            ),
            _source(
                "S60",
                "EY Tax Law NL, Besluit Fiscaal Bestuursrecht 2017, para. 20 "
                '"Bewaarplicht (artikel 52 AWR)".',
            ),
            _source(
                "S61",
                "Codice civile art. 2220, text at mondodiritto.it, brocardi.it, "
                "diritto24.ilsole24ore.com.",
            ),
            _source(
                "S62",
                'Agencia Tributaria, "Conservación de libros", '
                "http://www.agenciatributaria.es/AEAT.internet/…/Conservacion_de_libros.shtml",
            ),
            _source(
                "S63",
                'serwisprawa.pl, "Zasady przechowywania faktur" (VAT Act art. 112; '
                "Ordynacja art. 70).",
            ),
            _source(
                "S64",
                "sip.lex.pl, KIS interpretation 0114-KDIP2-2.4017.5.2017.11.SO/AP (30 Dec "
                "2022) citing Ordynacja art. 70 §1.",
            ),
            _source("S65", "archiwum.org.pl, Ordynacja podatkowa (1997 text), arts 86, 88."),
            _source(
                "S200",
                "Regulation (EEC, Euratom) No 1182/71 of the Council of 3 June 1971 determining "
                "the rules applicable to periods, dates and time limits, OJ L 124, 8.6.1971, "
                "p. 1, https://eur-lex.europa.eu/eli/reg/1971/1182/oj — Art. 3(1) first "
                'subparagraph ("the hour during which that event occurs … shall not be '
                'considered as falling within the period"), 3(2)(a), 3(2)(c), 3(4), 3(5).',
            ),
            _source(
                "S201",
                "Accountancy Act (Закон за счетоводството), State Gazette (Държавен вестник) "
                "No. 95 of 8 Dec 2015, Art. 12(1), https://dv.parliament.bg — 10-year row as "
                "read from the Act by an independent reviewer (gdprkit issue 15).",
            ),
            _source(
                "S202",
                "Livre des procédures fiscales, art. L102 B, Légifrance, "
                "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006069583 — six years "
                '"à compter de la date de la dernière opération mentionnée sur les livres ou '
                "registres ou de la date à laquelle les documents ou pièces ont été "
                'établis".',
            ),
            _source(
                "S203",
                'Loi n° 78-17 du 6 janvier 1978 "Informatique et Libertés", art. 45 (as '
                "renumbered by Ordonnance n° 2018-1125 of 12 Dec 2018), Légifrance, "
                "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000000886460 — a minor may "
                "consent alone from fifteen; below, jointly with the holder(s) of parental "
                "authority.",
            ),
            _source(
                "S204",
                "Article 29 Working Party, Guidelines on the right to data portability, "
                "WP242 rev.01 (adopted 13 Dec 2016, revised 5 Apr 2017; endorsed by the EDPB "
                "on 25 May 2018), https://ec.europa.eu/newsroom/article29/items/611233 — "
                'section III: data "provided by" the data subject include observed data; '
                "inferred and derived data do not.",
            ),
            _source(
                "S205",
                "EDPB, Guidelines 05/2020 on consent under Regulation 2016/679, version 1.1 "
                "(adopted 4 May 2020), "
                "https://www.edpb.europa.eu/sites/default/files/files/file1/edpb_guidelines_202005_consent_en.pdf "  # noqa: E501 - a URL
                "— paras 42-45 (granularity), 86 (scrolling is not a clear affirmative action), "
                'section 5.1 (demonstrating consent; refresh it "at appropriate intervals").',
            ),
            _source(
                "S206",
                "Directive 2002/58/EC (ePrivacy Directive), Art. 5(3) as amended by Directive "
                "2009/136/EC, https://eur-lex.europa.eu/eli/dir/2002/58/oj — storing or reading "
                "information on a user's device needs consent, except for transmission or what "
                "is strictly necessary for a service the user explicitly requested.",
            ),
            _source(
                "S207",
                'CNIL, délibération n° 2020-092 du 17 septembre 2020 (recommandation "cookies '
                'et autres traceurs"), '
                "https://www.cnil.fr/sites/cnil/files/atoms/files/recommandation-cookies-et-autres-traceurs.pdf "  # noqa: E501 - a URL
                "— keeping the user's choice (consent or refusal) for 6 months is good "
                "practice; a recommendation, not binding (gdprkit's reading rests on secondary "
                "reports of this passage).",
            ),
            _source(
                "S208",
                'ENISA, "Pseudonymisation techniques and best practices" (November 2019), '
                "https://www.enisa.europa.eu/publications/pseudonymisation-techniques-and-best-practices "  # noqa: E501 - a URL
                "— sections 5.1.4 (keyed hash), 5.1.5 (encryption), 5.4 (recovery), "
                "5.5 (protecting the secret), 7.2 (e-mail addresses), 8.7 (countermeasures).",
            ),
            _source(
                "S209",
                "EDPB, Guidelines 01/2025 on pseudonymisation (adopted for public consultation "
                "on 16 January 2025), "
                "https://www.edpb.europa.eu/our-work-tools/documents/public-consultations/2025/guidelines-012025-pseudonymisation_en "  # noqa: E501 - a URL
                "— pseudonymised data remain personal data; pseudonymisation secrets are kept "
                "separately (paragraph numbers not checked).",
            ),
            _source(
                "S210",
                "CJEU, C-582/14 Breyer, judgment of 19 October 2016, ECLI:EU:C:2016:779, "
                "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62014CJ0582 — a "
                "dynamic IP address is personal data for a website operator that has the legal "
                "means to identify the person with the internet access provider's data.",
            ),
        )
    }
)
"""Every source cited by :mod:`gdprkit.law`, by number (published as the docs' sources table)."""


def source(ref: str) -> Source:
    """Return the source numbered ``ref`` (``"S10"`` or ``"[S10]"``).

    Raises:
        NotFound: gdprkit.law cites no source with that number.

    Example:
        >>> source("[S58]").text.startswith("Unternehmensserviceportal")
        True
    """
    key = str(ref).strip().strip("[]")
    try:
        return SOURCES[key]
    except KeyError:
        raise NotFound("source: expected a source number cited by gdprkit.law") from None
