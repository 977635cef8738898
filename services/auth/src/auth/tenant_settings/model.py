"""Pure rules of tenant settings: defaults, tax modes and their usual rates, validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TaxMode = Literal["usn_income", "usn_income_minus_expense", "none"]
NegativeStock = Literal["allow", "reject"]
Language = Literal["ru", "en"]

#: The usual rate of each tax mode (УСН «доходы» 6 %, «доходы минус расходы» 15 %); a
#: change of mode without a rate takes it. Regions may set lower rates: give `tax_rate`.
DEFAULT_TAX_RATES: dict[str, Decimal] = {
    "usn_income": Decimal("6.00"),
    "usn_income_minus_expense": Decimal("15.00"),
    "none": Decimal("0.00"),
}

DEFAULTS: dict[str, object] = {
    "base_currency": "RUB",
    "tax_mode": "usn_income",
    "tax_rate": DEFAULT_TAX_RATES["usn_income"],
    "negative_stock": "allow",
    "timezone": "Europe/Moscow",
    "language": "ru",
    "sso_auto_provision": False,
    "sso_email_domains": [],
}

#: Active ISO 4217 currency codes (funds and precious metals left out).
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW ZWG
    """.split()
)


def timezone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None when it is."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return f"{name!r} is not an IANA time zone such as Europe/Moscow"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{name!r} is not an IANA time zone such as Europe/Moscow"
    return None


#: Mailbox providers anyone can sign up with: claiming one would let a tenant capture the
#: sign-ups of strangers, so no tenant may provision accounts for them.
PUBLIC_EMAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com ymail.com outlook.com hotmail.com live.com msn.com
    icloud.com me.com mac.com aol.com proton.me protonmail.com gmx.com gmx.net mail.com
    zoho.com yandex.ru yandex.com ya.ru mail.ru inbox.ru list.ru bk.ru internet.ru rambler.ru
    qq.com 163.com 126.com sina.com
    """.split()
)


def email_domain_problem(domain: str) -> str | None:
    """Why `domain` cannot provision accounts (not a plain e-mail domain such as
    `example.com`, or a public mailbox provider), or None when it can."""
    if domain in PUBLIC_EMAIL_DOMAINS:
        return f"{domain} is a public mailbox provider: use your organisation's own domain"
    labels = domain.split(".")
    valid = (
        len(domain) <= 253
        and len(labels) >= 2
        and all(
            0 < len(label) <= 63
            and label.replace("-", "").isalnum()
            and label.isascii()
            and not label.startswith("-")
            and not label.endswith("-")
            for label in labels
        )
    )
    return None if valid else f"{domain!r} is not an e-mail domain such as example.com"
