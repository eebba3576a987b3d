"""What both framework integrations show customers: templates, static assets and their data.

The templates under ``templates/gdprkit/`` are written in the common subset of Django's template
language and Jinja2 (``{{ name.attr }}``, ``{% if %}``, ``{% for %}``, ``{% include %}``,
``{% extends %}``/``{% block %}``, no filters, no tags of either framework): the views compute
every value beforehand with the functions here, so one file renders the same page in Django and
Flask, and a shop overrides a page the framework's way (a ``gdprkit/<name>.html`` in its own
template directory).  ``static/gdprkit/`` holds a small dependency-free stylesheet and script;
the pages work without the script, which only enhances them.

Nothing here imports a framework.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from gdprkit.consent import Evidence, notice_digest
from gdprkit.consent.cookies import CookieCategory, CookieConsent
from gdprkit.errors import ConfigurationError, InvalidInput
from gdprkit.register import Register

__all__ = [
    "CONSENT_MODE_SIGNALS",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "BannerText",
    "CookieDeclaration",
    "banner_context",
    "choice_evidence",
    "choice_from_form",
    "consent_mode",
    "granted_values",
    "notice_context",
    "parse_declarations",
    "request_form_context",
    "safe_next",
    "script_tag",
]

HERE = Path(__file__).resolve().parent
#: The shared templates (``gdprkit/*.html`` below it).
TEMPLATES_DIR = HERE / "templates"
#: The shared static assets (``gdprkit/gdprkit.css``, ``gdprkit/gdprkit.js`` below it).
STATIC_DIR = HERE / "static"

#: Google Consent Mode v2 signals each cookie category grants; all start "denied".
CONSENT_MODE_SIGNALS: Mapping[CookieCategory, tuple[str, ...]] = {
    CookieCategory.PREFERENCES: ("functionality_storage", "personalization_storage"),
    CookieCategory.STATISTICS: ("analytics_storage",),
    CookieCategory.MARKETING: ("ad_storage", "ad_user_data", "ad_personalization"),
}

_LABELS = {
    CookieCategory.STRICTLY_NECESSARY: "Strictly necessary",
    CookieCategory.PREFERENCES: "Preferences",
    CookieCategory.STATISTICS: "Statistics",
    CookieCategory.MARKETING: "Marketing",
}
_DEFAULT_DESCRIPTIONS = {
    CookieCategory.STRICTLY_NECESSARY: (
        "Needed for the shop to work (your basket, signing in, security, remembering this "
        "choice). They need no consent and are always on."
    ),
    CookieCategory.PREFERENCES: "Remember settings you choose, such as language.",
    CookieCategory.STATISTICS: "Count visits so we can improve the shop.",
    CookieCategory.MARKETING: "Show you adverts on other sites and measure them.",
}
_FORM_ACTIONS = ("accept_all", "reject_all", "save")


@attrs.frozen(kw_only=True)
class CookieDeclaration:
    """One cookie the shop sets: name, provider, purpose, duration and category.

    Example:
        >>> CookieDeclaration(name="_ga", provider="Google", purpose="Counts visits",
        ...     duration="2 years", category="statistics").category.value
        'statistics'
    """

    name: str
    provider: str
    purpose: str
    duration: str
    category: CookieCategory = attrs.field(converter=CookieCategory)


def parse_declarations(values: object, *, setting: str) -> tuple[CookieDeclaration, ...]:
    """Parse a settings list of ``{"name", "provider", "purpose", "duration", "category"}``.

    Raises:
        ConfigurationError: not a list of such dicts, or an unknown category.

    Example:
        >>> parse_declarations([{"name": "sid", "provider": "Shop", "purpose": "Session",
        ...     "duration": "session", "category": "necessary"}], setting="GDPRKIT_COOKIES")[0].name
        'sid'
    """
    if values is None:
        return ()
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise ConfigurationError(f"{setting} must be a list of cookie declarations")
    result = []
    fields = ("name", "provider", "purpose", "duration", "category")
    for item in values:
        if not isinstance(item, Mapping) or set(item) != set(fields):
            raise ConfigurationError(f"{setting}: each cookie needs exactly {', '.join(fields)}")
        if not all(isinstance(item[f], str) and item[f] for f in fields):
            raise ConfigurationError(f"{setting}: each field must be a non-empty string")
        try:
            result.append(CookieDeclaration(**{f: item[f] for f in fields}))
        except ValueError:
            known = ", ".join(c.value for c in CookieCategory)
            raise ConfigurationError(f"{setting}: category must be one of {known}") from None
    return tuple(result)


@attrs.frozen(kw_only=True)
class BannerText:
    """The words of the banner and preferences, and the digest of exactly what was shown.

    ``categories`` holds, per category, the label, the description (the register purpose's
    description when the category maps to one) and its cookie declarations.
    """

    intro: str
    categories: tuple[dict[str, Any], ...]
    sha256: str

    @classmethod
    def build(
        cls,
        register: Register,
        *,
        intro: str,
        purposes: Mapping[CookieCategory | str, str],
        declarations: Sequence[CookieDeclaration],
    ) -> BannerText:
        """Assemble the text from the register, the category → purpose map and declarations.

        The cookies are the register's ``[[cookies]]`` and ``declarations`` (from the settings;
        a name declared in both is shown as the settings say).  Only categories with a declared
        cookie or a mapped purpose are offered (plus the strictly necessary one): a banner must
        not ask for consent to nothing.

        Example:
            >>> from gdprkit.register import Controller
            >>> reg = Register(Controller(name="S", contact="p@s.example"), [])
            >>> text = BannerText.build(reg, intro="Cookies", purposes={}, declarations=[])
            >>> [c["value"] for c in text.categories]
            ['necessary']
        """
        mapped = {CookieCategory(k): v for k, v in purposes.items()}
        declarations = [*_register_cookies(register), *declarations]
        seen: dict[str, CookieDeclaration] = {}
        for declared in declarations:  # a setting's declaration of a name wins over the register
            seen[declared.name] = declared
        declarations = list(seen.values())
        rows = []
        for category in CookieCategory:
            cookies = [d for d in declarations if d.category is category]
            if category is not CookieCategory.STRICTLY_NECESSARY and not (
                cookies or category in mapped
            ):
                continue
            description = _DEFAULT_DESCRIPTIONS[category]
            purpose_id = mapped.get(category)
            if purpose_id is not None and purpose_id in register:
                description = register.purpose(purpose_id).description
            rows.append(
                {
                    "value": category.value,
                    "label": _LABELS[category],
                    "description": description,
                    "necessary": category is CookieCategory.STRICTLY_NECESSARY,
                    "cookies": [attrs.asdict(d, value_serializer=_plain) for d in cookies],
                }
            )
        shown = json.dumps({"intro": intro, "categories": rows}, sort_keys=True)
        return cls(intro=intro, categories=tuple(rows), sha256=notice_digest(shown))


def _register_cookies(register: Register) -> list[CookieDeclaration]:
    """The register's own cookie declarations (``[[cookies]]``), in the banner's terms."""
    found = []
    for cookie in getattr(register, "cookies", ()):
        kind = str(getattr(cookie.kind, "value", cookie.kind))
        # Session replay records what a visitor does on the page: consent like statistics.
        category = "statistics" if kind == "session_replay" else kind
        purpose_text = cookie.description
        if purpose_text is None and cookie.purpose is not None and cookie.purpose in register:
            purpose_text = register.purpose(cookie.purpose).description
        found.append(
            CookieDeclaration(
                name=cookie.name,
                provider=cookie.provider or register.controller.name,
                purpose=purpose_text or cookie.purpose or "Not stated",
                duration=cookie.duration or "Not stated",
                category=category,
            )
        )
    return found


def _plain(_instance: object, _field: object, value: object) -> object:
    return value.value if isinstance(value, CookieCategory) else value


def choice_from_form(
    form: Mapping[str, Sequence[str]],
    *,
    offered: Iterable[str],
    policy_version: str,
    now: dt.datetime,
) -> tuple[str, CookieConsent]:
    """Read a banner or preferences form: ``action`` and, for ``save``, ``category`` values.

    Returns the action (``accept_all``, ``reject_all`` or ``save``) and the choice.  "Accept
    all" grants only the categories offered; "save" grants the ticked ones (nothing is
    pre-ticked, EDPB Guidelines 05/2020 para. 86).

    Raises:
        InvalidInput: an unknown action or category.

    Example:
        >>> import datetime as dt
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> action, choice = choice_from_form({"action": ["save"], "category": ["statistics"]},
        ...     offered=["necessary", "statistics"], policy_version="1", now=t)
        >>> action, sorted(c.value for c in choice.granted)
        ('save', ['necessary', 'statistics'])
    """
    actions = list(form.get("action", ()))
    if len(actions) != 1 or actions[0] not in _FORM_ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(_FORM_ACTIONS)}")
    action = actions[0]
    allowed = set(offered)
    decided_at = now.astimezone(dt.timezone.utc).replace(microsecond=0)
    if action == "reject_all":
        return action, CookieConsent.reject_all(
            policy_version=policy_version, decided_at=decided_at
        )
    if action == "accept_all":
        return action, CookieConsent(allowed, policy_version, decided_at)
    ticked = set(form.get("category", ()))
    if not ticked <= allowed:
        raise InvalidInput("category: not a category this banner offers")
    return action, CookieConsent(ticked, policy_version, decided_at)


def choice_evidence(
    text: BannerText,
    *,
    action: str,
    notice_version: str,
    locale: str,
    ip: str | None,
    user_agent: str | None,
    framework: str,
) -> Evidence:
    """The ledger evidence of a banner choice: the text's digest, version, the button used.

    Example:
        >>> from gdprkit.register import Controller
        >>> reg = Register(Controller(name="S", contact="p@s.example"), [])
        >>> text = BannerText.build(reg, intro="Cookies", purposes={}, declarations=[])
        >>> choice_evidence(text, action="reject_all", notice_version="1", locale="en",
        ...     ip=None, user_agent=None, framework="flask").collected_by
        'gdprkit.flask.cookie_banner.reject_all'
    """
    return Evidence(
        method="cookie_banner",
        notice_version=notice_version,
        notice_sha256=text.sha256,
        locale=locale,
        channel="web",
        collected_by=f"gdprkit.{framework}.cookie_banner.{action}",
        ip=ip,
        user_agent=user_agent[:512] if user_agent else None,
    )


def consent_mode(choice: CookieConsent | None) -> dict[str, str]:
    """The Google Consent Mode v2 state of ``choice`` (everything denied without a choice).

    Example:
        >>> consent_mode(None)["ad_user_data"]
        'denied'
    """
    state = {"security_storage": "granted"}
    for category, signals in CONSENT_MODE_SIGNALS.items():
        granted = choice is not None and choice.allows(category)
        for signal in signals:
            state[signal] = "granted" if granted else "denied"
    return state


def granted_values(choice: CookieConsent | None) -> list[str]:
    """The categories ``choice`` grants, as sorted strings (``["necessary"]`` without one)."""
    if choice is None:
        return [CookieCategory.STRICTLY_NECESSARY.value]
    return sorted(c.value for c in choice.granted)


def script_tag(src: str, *, category: str, choice: CookieConsent | None) -> str:
    """A ``<script>`` for ``src`` when ``category`` is granted, else an inert placeholder.

    The placeholder (``type="text/plain" data-category=... data-src=...``) never loads; the
    pages' script activates it when the visitor consents later.  Returns escaped HTML.

    Raises:
        InvalidInput: ``category`` is not a cookie category.

    Example:
        >>> script_tag("https://stats.example/s.js", category="statistics", choice=None)
        '<script type="text/plain" data-category="statistics" data-src="https://stats.example/s.js"></script>'
    """
    import html  # noqa: PLC0415 - only here

    try:
        chosen = CookieCategory(category)
    except ValueError:
        raise InvalidInput("category: unknown cookie category") from None
    source = html.escape(src, quote=True)
    allowed = chosen is CookieCategory.STRICTLY_NECESSARY or (
        choice is not None and choice.allows(chosen)
    )
    if allowed:
        return f'<script src="{source}" async></script>'
    return f'<script type="text/plain" data-category="{chosen.value}" data-src="{source}"></script>'


def banner_context(
    text: BannerText,
    choice: CookieConsent | None,
    *,
    action_url: str,
    preferences_url: str,
    next_url: str,
    csrf_name: str,
    csrf_token: str,
    css_url: str,
    js_url: str,
) -> dict[str, Any]:
    """Everything the banner and preferences templates show, computed beforehand.

    Example:
        >>> from gdprkit.register import Controller
        >>> reg = Register(Controller(name="S", contact="p@s.example"), [])
        >>> text = BannerText.build(reg, intro="Cookies", purposes={}, declarations=[])
        >>> banner_context(text, None, action_url="/c", preferences_url="/p", next_url="/",
        ...     csrf_name="t", csrf_token="x", css_url="/a.css", js_url="/a.js")["show_banner"]
        True
    """
    granted = set(granted_values(choice))
    categories = [dict(row, checked=row["value"] in granted) for row in text.categories]
    return {
        "show_banner": choice is None,
        "decided": choice is not None,
        "intro": text.intro,
        "categories": categories,
        "optional_categories": [c for c in categories if not c["necessary"]],
        "granted_labels": ", ".join(c["label"] for c in categories if c["checked"]),
        "decided_at": "" if choice is None else choice.decided_at.strftime("%d %B %Y, %H:%M UTC"),
        "action_url": action_url,
        "preferences_url": preferences_url,
        "next_url": next_url,
        "csrf_name": csrf_name,
        "csrf_token": csrf_token,
        "css_url": css_url,
        "js_url": js_url,
        "consent_json": json.dumps(
            {
                "granted": sorted(granted),
                "consentMode": consent_mode(choice),
                "decided": choice is not None,
            },
            sort_keys=True,
        ),
    }


def safe_next(value: str | None, *, default: str = "/") -> str:
    """``value`` when it is a path on this site (``/x``, not ``//host`` or a URL), else default.

    Example:
        >>> safe_next("//evil.example/"), safe_next("/basket?x=1")
        ('/', '/basket?x=1')
    """
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(ch) < 32 for ch in value)
        or len(value) > 2000
    ):
        return default
    return value


def notice_context(
    register: Register, *, accept_language: str | None, layer: str, other_layer_url: str
) -> dict[str, Any]:
    """The privacy-notice page's values: the notice in the customer's language, both layers.

    ``accept_language`` is the request's ``Accept-Language`` header; ``layer`` ``"short"``
    (the first layer, WP260 rev.01 para. 35-38) or ``"full"``.  ``notice_html`` is an HTML
    fragment the notice renderer escaped; the framework marks it safe.

    Raises:
        MissingDependency: the ``notice`` extra is not installed.

    Example:
        >>> from gdprkit.register import Controller, Purpose
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"),
        ...                [Purpose(id="orders", description="Orders", basis="contract")])
        >>> page = notice_context(reg, accept_language="sq,en;q=0.5", layer="short",
        ...                       other_layer_url="/privacy/?layer=full")
        >>> page["lang"], page["layer"]
        ('sq', 'short')
    """
    from gdprkit.notice import (  # noqa: PLC0415 - the notice extra
        available_languages,
        negotiate_language,
        render_notice,
    )

    chosen = "full" if layer == "full" else "short"
    language = negotiate_language(accept_language or "", available_languages(), default="en")
    notice = render_notice(
        register,
        language=language,
        format="html",
        layer=chosen,
        standalone=False,
        full_notice_url=other_layer_url if chosen == "short" else None,
    )
    return {
        "lang": notice.language,
        "layer": chosen,
        "notice_html": notice.content,
        "notice_version": notice.version,
        "notice_sha256": notice.sha256,
        "is_draft": notice.is_draft,
        "other_layer_url": other_layer_url,
        "other_layer_label": "Read the full privacy notice"
        if chosen == "short"
        else "Read the summary",
        "title": "Privacy notice",
    }


def request_form_context(
    errors: Mapping[str, str], values: Mapping[str, str], *, action_url: str
) -> dict[str, Any]:
    """The request form's values: the rights (none chosen), errors and what was typed.

    Example:
        >>> page = request_form_context({}, {}, action_url="/r")
        >>> [r["checked"] for r in page["rights"]][:2]
        [False, False]
    """
    from ._requests import FORM_RIGHTS  # noqa: PLC0415

    chosen = values.get("right", "")
    return {
        "title": "Ask about your personal data",
        "action_url": action_url,
        "rights": [
            {"value": v, "label": label, "checked": v == chosen} for v, label in FORM_RIGHTS
        ],
        "has_errors": bool(errors),
        "error_right": errors.get("right", ""),
        "error_email": errors.get("email", ""),
        "error_message": errors.get("message", ""),
        "email_value": values.get("email", "")[:254],
        "message_value": values.get("message", "")[:2000],
    }
