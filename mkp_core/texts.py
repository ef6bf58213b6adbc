"""Everything the model says to a person, in English and Russian.

Segment names, strategies and default next actions follow the matrix of the
method; a policy may override any of them per locale. Phrases are
``pl.format`` templates: each ``{}`` is filled per record by a column, each
``{NAME}`` once per run from the policy.

No text mentions the run's date or counts days up to it: a text that changed
every night would rewrite every record every night.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from mkp_core.policy import Locale, Policy

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_NEXT_ACTION_CHARS",
    "Phrases",
    "phrases",
    "segment_names",
    "segment_texts",
]

# Text(80) and Text(255) fields of the CRM contract.
MAX_NAME_CHARS = 80
MAX_NEXT_ACTION_CHARS = 255

# segment -> (name, strategy, default next action)
_SEGMENTS: dict[Locale, dict[int, tuple[str, str, str]]] = {
    Locale.EN: {
        1: (
            "Low priority",
            "Minimal effort, optimise cost to serve",
            "Serve through low-cost channels; no proactive outreach.",
        ),
        2: (
            "Developing",
            "Standard service, no extra investment",
            "Keep standard service; offer catalogue items at the next contact.",
        ),
        3: (
            "Stable",
            "Keep loyalty, automate service",
            "Keep loyalty: move routine orders to self-service.",
        ),
        4: (
            "Prospective",
            "Active outreach, trial offers",
            "Reach out: qualify needs and propose a trial offer.",
        ),
        5: (
            "Development focus",
            "Grow share with tailored solutions — key growth segment",
            "Grow share: propose a tailored solution for unserved needs.",
        ),
        6: (
            "Key",
            "Retain, cross-sell",
            "Retain and cross-sell: review the product range with the customer.",
        ),
        7: (
            "Capture priority",
            "Maximum resources to start the relationship",
            "Win the first deal: assign a senior rep and open an opportunity.",
        ),
        8: (
            "Strategic",
            "Invest in the relationship, customise — key growth segment",
            "Invest in the relationship: map decision makers, build a custom offer.",
        ),
        9: (
            "VIP",
            "Premium service, joint planning",
            "Give premium service and agree a joint account plan.",
        ),
    },
    Locale.RU: {
        1: (
            "Низкий приоритет",
            "Минимальные усилия, оптимизация стоимости обслуживания",
            "Обслуживать через недорогие каналы, без активных контактов.",
        ),
        2: (
            "Развивающиеся",
            "Стандартное обслуживание без дополнительных вложений",
            "Стандартный сервис; при следующем контакте предложить каталог.",
        ),
        3: (
            "Стабильные",
            "Удержание лояльности, автоматизация обслуживания",
            "Удерживать лояльность: перевести типовые заказы на самообслуживание.",
        ),
        4: (
            "Перспективные",
            "Активный выход на контакт, пробные предложения",
            "Выйти на контакт: выяснить потребности и предложить пробную поставку.",
        ),
        5: (
            "Фокус развития",
            "Рост доли за счёт индивидуальных решений — ключевой сегмент роста",
            "Наращивать долю: предложить решение под неохваченные потребности.",
        ),
        6: (
            "Ключевые",
            "Удержание, кросс-продажи",
            "Удерживать и расширять: обсудить с клиентом смежный ассортимент.",
        ),
        7: (
            "Приоритет захвата",
            "Максимум ресурсов, чтобы начать отношения",
            "Получить первую сделку: назначить опытного менеджера, открыть сделку.",
        ),
        8: (
            "Стратегические",
            "Инвестиции в отношения, индивидуализация — ключевой сегмент роста",
            "Инвестировать в отношения: найти ЛПР и подготовить особое предложение.",
        ),
        9: (
            "VIP-клиенты",
            "Премиальный сервис, совместное планирование",
            "Премиальный сервис и совместный план развития клиента.",
        ),
    },
}


@dataclasses.dataclass(frozen=True)
class Phrases:
    """Templates of next-action signals and explanations in one locale."""

    no_open_pipeline: str
    stale_win: str  # {} = date of the last win
    unrealised: str  # {GAP} = the large-gap share of potential, in %
    thousand: str
    million: str
    billion: str
    decimal_separator: str
    date_format: str
    portfolio_peers: str
    industry_peers: str  # {} = industry
    override: str  # {} = potential
    peers_per_employee: str  # potential, peers, group, intensity, size, amount
    peers_per_revenue: str  # same, size being annual revenue
    peers_spend: str  # potential, peers, group, spend
    firmographic_revenue: str  # potential, ratio %, annual revenue
    firmographic_employees: str  # potential, amount per employee, employees
    revenue_only: str  # potential
    raised_to_revenue: str
    won: str  # revenue, share %
    not_won: str
    last_win: str  # {} = date
    lead: str


_PHRASES: dict[Locale, Phrases] = {
    Locale.EN: Phrases(
        no_open_pipeline="No open pipeline: open an opportunity.",
        stale_win="No win in over {STALE} days (last on {}): re-engage.",
        unrealised="Over {GAP} % of the potential is unrealised: grow the share.",
        thousand="K",
        million="M",
        billion="B",
        decimal_separator=".",
        date_format="%Y-%m-%d",
        portfolio_peers="customers across the portfolio",
        industry_peers="{} customers",
        override="Potential {} entered by sales.",
        peers_per_employee=(
            "Potential {} from {} peers: {PCT}-percentile {} buy {} per "
            "employee^{B}; at {} employees that is {}."
        ),
        peers_per_revenue=(
            "Potential {} from {} peers: {PCT}-percentile {} buy {} per "
            "{CUR} of annual revenue^{B}; at an annual revenue of {} that is {}."
        ),
        peers_spend=(
            "Potential {} from {} peers: {PCT}-percentile {} buy {} a year; "
            "this customer's size is unknown."
        ),
        firmographic_revenue=(
            "Potential {} from firmographics: {} % of annual revenue {}."
        ),
        firmographic_employees=(
            "Potential {} from firmographics: {} per employee × {} employees."
        ),
        revenue_only="Potential {} equals current revenue: no estimate applies.",
        raised_to_revenue="Raised to current revenue.",
        won="Won {} in the last {DAYS} days ({} % of potential).",
        not_won="No won revenue in the last {DAYS} days.",
        last_win="Last win on {}.",
        lead="Leads are scored on potential alone.",
    ),
    Locale.RU: Phrases(
        no_open_pipeline="Нет открытых сделок: откройте сделку.",
        stale_win="Нет побед более {STALE} дн. (последняя {}): возобновите контакт.",
        unrealised="Не реализовано более {GAP} % потенциала: наращивайте долю.",
        thousand=" тыс.",
        million=" млн",
        billion=" млрд",
        decimal_separator=",",
        date_format="%d.%m.%Y",
        portfolio_peers="клиенты портфеля",
        industry_peers="клиенты отрасли «{}»",
        override="Потенциал {} указан отделом продаж.",
        peers_per_employee=(
            "Потенциал {} по {} аналогам: {} на уровне {PCT}-го перцентиля "
            "покупают {} на сотрудника^{B}; при {} сотр. это {}."
        ),
        peers_per_revenue=(
            "Потенциал {} по {} аналогам: {} на уровне {PCT}-го перцентиля "
            "покупают {} на {CUR} годовой выручки^{B}; при годовой выручке {} "
            "это {}."
        ),
        peers_spend=(
            "Потенциал {} по {} аналогам: {} на уровне {PCT}-го перцентиля "
            "покупают на {} в год; размер клиента неизвестен."
        ),
        firmographic_revenue=("Потенциал {} по фирмографии: {} % годовой выручки {}."),
        firmographic_employees=(
            "Потенциал {} по фирмографии: {} на сотрудника × {} сотр."
        ),
        revenue_only="Потенциал {} равен текущей выручке: оценки неприменимы.",
        raised_to_revenue="Повышен до текущей выручки.",
        won="Выиграно {} за последние {DAYS} дн. ({} % потенциала).",
        not_won="Нет выигранных сделок за последние {DAYS} дн.",
        last_win="Последняя победа {}.",
        lead="Лид оценивается только по потенциалу.",
    ),
}


def phrases(locale: Locale) -> Phrases:
    """Signal and explanation templates for a locale."""
    return _PHRASES[locale]


def segment_texts(policy: Policy) -> pl.DataFrame:
    """Segments 1-9 with name, strategy and default next action in the locale.

    Columns: ``segment`` (Int8), ``segment_name``, ``strategy``, ``playbook``.
    """
    defaults = _SEGMENTS[policy.locale]
    overrides = policy.segment_texts.get(policy.locale, {})
    rows = []
    for segment, (name, strategy, action) in defaults.items():
        custom = overrides.get(segment)
        if custom is not None:
            name = custom.name or name
            strategy = custom.strategy or strategy
            action = custom.next_action or action
        rows.append((segment, name, strategy, action))

    return pl.DataFrame(
        rows,
        schema={
            "segment": pl.Int8(),
            "segment_name": pl.String(),
            "strategy": pl.String(),
            "playbook": pl.String(),
        },
        orient="row",
    )


def segment_names(policy: Policy) -> dict[int, str]:
    """Segment number to name, in the policy's locale."""
    texts = segment_texts(policy)
    return dict(
        zip(texts["segment"].to_list(), texts["segment_name"].to_list(), strict=True)
    )
