"""Cash categories: the system ones (here, in code) and a tenant's own (finance.categories).

A category says which way money moves (`in`, `out`) and whether a transaction of it is also
a P&L entry (`pnl`: `expense`, `income`, or `none`). Most cash is not P&L: a supplier
payment reaches the P&L as COGS when the goods sell, freight and customs are part of the
landed cost, tax is computed by the reports, payouts mirror revenue already accrued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["in", "out"]
PnlEffect = Literal["expense", "income", "none"]


@dataclass(frozen=True)
class Category:
    """A cash category; `system` ones exist for every tenant and cannot be changed."""

    code: str
    name: str
    name_en: str
    direction: Direction
    pnl: PnlEffect
    system: bool = True


SYSTEM_CATEGORIES: tuple[Category, ...] = (
    Category("marketplace_payout", "Выплата маркетплейса", "Marketplace payout", "in", "none"),
    Category("owner_investment", "Вложения собственника", "Owner investment", "in", "none"),
    Category("loan_received", "Получение займа", "Loan received", "in", "none"),
    Category("supplier_refund", "Возврат от поставщика", "Supplier refund", "in", "none"),
    Category("other_income", "Прочие доходы", "Other income", "in", "income"),
    Category("supplier_payment", "Оплата поставщику", "Supplier payment", "out", "none"),
    Category("logistics_payment", "Оплата логистики", "Logistics payment", "out", "none"),
    Category("rent", "Аренда", "Rent", "out", "expense"),
    Category("salaries", "Зарплаты", "Salaries", "out", "expense"),
    Category("marketing", "Маркетинг", "Marketing", "out", "expense"),
    Category("software", "Сервисы и ПО", "Software", "out", "expense"),
    Category("bank_fees", "Банковские комиссии", "Bank fees", "out", "expense"),
    Category("taxes_paid", "Уплата налогов", "Taxes paid", "out", "none"),
    Category("owner_withdrawal", "Вывод собственником", "Owner withdrawal", "out", "none"),
    Category("loan_repayment", "Погашение займа", "Loan repayment", "out", "none"),
    Category("other_expense", "Прочие расходы", "Other expense", "out", "expense"),
)
SYSTEM_BY_CODE: dict[str, Category] = {c.code: c for c in SYSTEM_CATEGORIES}


def custom_category(code: str, name: str, direction: Direction, pnl: PnlEffect) -> Category:
    """A tenant's own category (its English name is its name)."""
    return Category(code, name, name, direction, pnl, system=False)


def category_problem(category: Category | None, code: str, direction: Direction) -> str | None:
    """Why a transaction of `direction` cannot have category `code` (None when it can)."""
    if category is None:
        return f"unknown category {code!r}: GET /v1/admin/finance/categories lists them"
    if category.direction != direction:
        return (
            f"category {code!r} is for money going {category.direction}, "
            f"not {direction}: choose a category of that direction"
        )
    return None
