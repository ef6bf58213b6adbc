"""What a report says, in English and Russian, and how it writes numbers."""

from __future__ import annotations

import dataclasses
import math

from mkp_core import Locale, PotentialLevel, ProgressLevel
from worker.reporting._model import FlowMeaning, SegmentMark

__all__ = ["Words", "words_for"]


@dataclasses.dataclass(frozen=True)
class Words:
    """Every label and sentence of a report in one locale."""

    locale: Locale
    title: str
    as_of: str  # {} = date
    compared_with: str  # {} = date
    no_previous: str
    generated: str  # {} = time
    currency: str  # {} = currency code
    potential_levels: dict[PotentialLevel, str]
    progress_levels: dict[ProgressLevel, str]
    marks: dict[SegmentMark, str]
    meanings: dict[FlowMeaning, str]
    matrix: str
    matrix_note: str
    potential_axis: str
    progress_axis: str
    accounts: str
    leads_word: str
    revenue: str
    potential: str
    unrealised: str
    of_unrealised: str
    wallet_share: str
    owner: str
    next_action: str
    account: str
    lead: str
    segment: str
    totals: str  # accounts, leads, revenue, potential, unrealised
    bubbles: str
    bubbles_note: str  # shown, "of" phrase of the total (``count(n, "account_of")``)
    hysteresis_note: str
    potential_log_axis: str  # {} = currency
    medium_from: str
    high_from: str
    reached_from: str
    migration: str
    migration_note: str
    from_to: str
    new_row: str
    gone_column: str
    moved: str  # moved, stayed, new, gone
    main_flows: str
    no_flows: str
    flow: str  # accounts phrase, from, to, meaning
    growth: str
    accounts_before: str
    accounts_after: str
    revenue_before: str
    revenue_after: str
    change: str
    cohort: str
    top_accounts: str
    top_note: str  # {} = how many
    no_accounts: str
    calibration: str
    calibration_note: str
    holdout: str
    coverage: str
    target: str
    pinball: str
    baseline: str
    skill: str
    verdicts: dict[str, str]
    not_judged: str
    leads: str
    leads_note: str
    no_leads: str
    warnings: str
    thousand: str
    million: str
    billion: str
    decimal: str
    group: str
    percent_sign: str

    def count(self, n: int, kind: str = "account") -> str:
        """``n`` accounts (or leads) with the locale's plural form."""
        forms = _PLURALS[self.locale][kind]
        return f"{self.integer(n)} {forms[_plural_index(self.locale, n)]}"

    def integer(self, n: float) -> str:
        return f"{round(n):,}".replace(",", self.group)

    def money(self, amount: float | None) -> str:
        """About three significant digits, scaled: 1.2M, 240K, 310."""
        if amount is None or not math.isfinite(amount):
            return "—"
        for size, suffix in (
            (999.5e6, (1e9, self.billion)),
            (999.5e3, (1e6, self.million)),
            (999.5, (1e3, self.thousand)),
        ):
            if abs(amount) >= size:
                return self._digits(amount / suffix[0]) + suffix[1]
        return self._digits(amount)

    def percent(self, ratio: float | None) -> str:
        if ratio is None or not math.isfinite(ratio):
            return "—"
        return f"{ratio * 100:.0f}{self.percent_sign}"

    def decimal_number(self, value: float | None, places: int = 2) -> str:
        if value is None or not math.isfinite(value):
            return "—"
        return f"{value:.{places}f}".replace(".", self.decimal)

    def _digits(self, value: float) -> str:
        magnitude = abs(value)
        if magnitude >= 99.5:
            text = f"{value:.0f}"
        elif magnitude >= 1:
            text = f"{value:.1f}".removesuffix(".0")
        else:
            text = f"{value:.2g}"
        return text.replace(".", self.decimal)


def words_for(locale: Locale) -> Words:
    return _WORDS[locale]


def _plural_index(locale: Locale, n: int) -> int:
    if locale is Locale.EN:
        return 0 if n == 1 else 1
    # Russian: 1, 21, 31 … take the first form; 2-4, 22-24 … the second;
    # the rest (and 11-14) the third.
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


_PLURALS: dict[Locale, dict[str, tuple[str, ...]]] = {
    Locale.EN: {
        "account": ("account", "accounts"),
        "account_of": ("account", "accounts"),
        "lead": ("lead", "leads"),
    },
    # "account_of" follows "из" (of): genitive, singular only after 1, 21, 31…
    Locale.RU: {
        "account": ("клиент", "клиента", "клиентов"),
        "account_of": ("клиента", "клиентов", "клиентов"),
        "lead": ("лид", "лида", "лидов"),
    },
}

_VERDICTS_EN = {
    "calibrated": (
        "Calibrated: about the intended share of customers stays within their "
        "potential, and the estimate beats the naive baseline."
    ),
    "too generous": (
        "Too generous: customers stay within their potential more often than "
        "the quantile promises, so potential is set too high."
    ),
    "too tight": (
        "Too tight: customers exceed their potential more often than the "
        "quantile allows, so potential is set too low."
    ),
    "no better than baseline": (
        "No better than the baseline: size and industry add nothing here; "
        "treat the potential as a rough guide."
    ),
    "too little history": (
        "Too little history to judge: the hold-out holds too few customers."
    ),
}

_VERDICTS_RU = {
    "calibrated": (
        "Откалиброван: в пределах потенциала остаётся заданная доля клиентов, "
        "и оценка точнее наивной."
    ),
    "too generous": (
        "Завышен: клиенты укладываются в потенциал чаще, чем обещает квантиль, "
        "то есть потенциал оценён слишком высоко."
    ),
    "too tight": (
        "Занижен: клиенты превышают потенциал чаще, чем допускает квантиль, "
        "то есть потенциал оценён слишком низко."
    ),
    "no better than baseline": (
        "Не лучше наивной оценки: размер и отрасль здесь ничего не добавляют; "
        "считайте потенциал грубым ориентиром."
    ),
    "too little history": (
        "Слишком мало истории для вывода: в контрольной выборке мало клиентов."
    ),
}

_WORDS: dict[Locale, Words] = {
    Locale.EN: Words(
        locale=Locale.EN,
        title="Customer Potential Matrix",
        as_of="as of {}",
        compared_with="compared with {}",
        no_previous="No earlier snapshot to compare with: migration needs two runs.",
        generated="Generated {}",
        currency="Amounts in {}",
        potential_levels={
            PotentialLevel.LOW: "Low",
            PotentialLevel.MEDIUM: "Medium",
            PotentialLevel.HIGH: "High",
        },
        progress_levels={
            ProgressLevel.NOT_WORKING: "Not working",
            ProgressLevel.BELOW: "Below potential",
            ProgressLevel.REACHED: "Reached",
        },
        marks={
            SegmentMark.KEY_GROWTH: "key growth",
            SegmentMark.CAPTURE: "capture priority",
        },
        meanings={
            FlowMeaning.CAPTURE_SUCCEEDED: "capture succeeded",
            FlowMeaning.SALES_STARTED: "sales started",
            FlowMeaning.POTENTIAL_REACHED: "potential reached",
            FlowMeaning.SHARE_SLIPPED: "share slipped",
            FlowMeaning.SALES_LAPSED: "no won revenue any more",
            FlowMeaning.POTENTIAL_UP: "potential re-estimated up",
            FlowMeaning.POTENTIAL_DOWN: "potential re-estimated down",
        },
        matrix="The matrix: where is our unrealised potential?",
        matrix_note=(
            "Columns: potential; rows: progress (our share of the customer's "
            "wallet). Colour: unrealised potential (potential − revenue)."
        ),
        potential_axis="Potential",
        progress_axis="Progress",
        accounts="Accounts",
        leads_word="Leads",
        revenue="Revenue",
        potential="Potential",
        unrealised="Gap",
        of_unrealised="of the gap",
        wallet_share="Wallet share",
        owner="Owner",
        next_action="Next action",
        account="Account",
        lead="Lead",
        segment="Segment",
        totals=("{} and {} scored. Revenue {}, potential {}, unrealised potential {}."),
        bubbles="Every account: potential against wallet share",
        bubbles_note=(
            "Showing {} of {} with potential (the largest). Bubble size: "
            "revenue. Dashed lines: where the levels begin."
        ),
        hysteresis_note=(
            "A level changes only when a value crosses its border by more than "
            "the margin (hysteresis_margin in the policy), so an account near a "
            "dashed line keeps the level it had: a little below “Reached from” "
            "it can still be Reached, a little above “Medium from” still Low."
        ),
        potential_log_axis="Potential, {} (log scale)",
        medium_from="Medium from",
        high_from="High from",
        reached_from="Reached from",
        migration="Migration: who moved between segments?",
        migration_note=(
            "Rows: segment in the older snapshot; columns: segment now. "
            "Each cell: accounts and their revenue now."
        ),
        from_to="from \\ to",
        new_row="new",
        gone_column="gone",
        moved="{} moved, {} stayed, {} new, {} gone.",
        main_flows="Main flows",
        no_flows="No account changed segment.",
        flow="{} moved {} → {}: {}",
        growth="Revenue growth per segment",
        accounts_before="Accounts then",
        accounts_after="Accounts now",
        revenue_before="Revenue then",
        revenue_after="Revenue now",
        change="Change",
        cohort="Growth of the accounts that were there",
        top_accounts="Where to act: accounts with the largest gap",
        top_note="Top {} per segment by unrealised potential.",
        no_accounts="No accounts in this segment.",
        calibration="Can sales trust the potential? Hold-out check",
        calibration_note=(
            "Potential was estimated for a hold-out of customers from the other "
            "customers only, then compared with what they actually bought."
        ),
        holdout="Hold-out customers",
        coverage="Revenue within potential",
        target="target",
        pinball="Pinball loss of the estimate",
        baseline="Pinball loss of the naive baseline",
        skill="Improvement on the baseline",
        verdicts=_VERDICTS_EN,
        not_judged="This snapshot carries no calibration figures.",
        leads="Leads for the marketing handoff",
        leads_note="Leads are scored on potential alone: segments 7, 4 and 1.",
        no_leads="No leads were scored.",
        warnings="Warnings",
        thousand="K",
        million="M",
        billion="B",
        decimal=".",
        group=",",
        percent_sign="%",
    ),
    Locale.RU: Words(
        locale=Locale.RU,
        title="Матрица клиентского потенциала",
        as_of="на {}",
        compared_with="сравнение со срезом на {}",
        no_previous="Нет более раннего среза: для миграции нужны два запуска.",
        generated="Сформировано {}",
        currency="Суммы в {}",
        potential_levels={
            PotentialLevel.LOW: "Низкий",
            PotentialLevel.MEDIUM: "Средний",
            PotentialLevel.HIGH: "Высокий",
        },
        progress_levels={
            ProgressLevel.NOT_WORKING: "Не работаем",
            ProgressLevel.BELOW: "Ниже потенциала",
            ProgressLevel.REACHED: "Потенциал достигнут",
        },
        marks={
            SegmentMark.KEY_GROWTH: "ключевой сегмент роста",
            SegmentMark.CAPTURE: "приоритет захвата",
        },
        meanings={
            FlowMeaning.CAPTURE_SUCCEEDED: "захват удался",
            FlowMeaning.SALES_STARTED: "начались продажи",
            FlowMeaning.POTENTIAL_REACHED: "потенциал достигнут",
            FlowMeaning.SHARE_SLIPPED: "доля снизилась",
            FlowMeaning.SALES_LAPSED: "продажи прекратились",
            FlowMeaning.POTENTIAL_UP: "потенциал пересмотрен вверх",
            FlowMeaning.POTENTIAL_DOWN: "потенциал пересмотрен вниз",
        },
        matrix="Матрица: где наш нереализованный потенциал?",
        matrix_note=(
            "Столбцы: потенциал; строки: прогресс (наша доля в закупках клиента). "
            "Цвет: нереализованный потенциал (потенциал − выручка)."
        ),
        potential_axis="Потенциал",
        progress_axis="Прогресс",
        accounts="Клиенты",
        leads_word="Лиды",
        revenue="Выручка",
        potential="Потенциал",
        unrealised="Разрыв",
        of_unrealised="от разрыва",
        wallet_share="Доля кошелька",
        owner="Ответственный",
        next_action="Следующий шаг",
        account="Клиент",
        lead="Лид",
        segment="Сегмент",
        totals=(
            "Оценено: {} и {}. Выручка {}, потенциал {}, нереализованный потенциал {}."
        ),
        bubbles="Все клиенты: потенциал и доля кошелька",
        bubbles_note=(
            "Показано {} из {} с потенциалом (крупнейшие). Размер "
            "круга: выручка. Пунктир: границы уровней."
        ),
        hysteresis_note=(
            "Уровень меняется, только когда значение переходит границу больше "
            "чем на запас (hysteresis_margin в политике), поэтому клиент у "
            "пунктира сохраняет прежний уровень: чуть ниже «Достигнут от» он "
            "может остаться в «Потенциал достигнут», чуть выше «Средний от» — "
            "в «Низком»."
        ),
        potential_log_axis="Потенциал, {} (логарифмическая шкала)",
        medium_from="Средний от",
        high_from="Высокий от",
        reached_from="Достигнут от",
        migration="Миграция: кто перешёл между сегментами?",
        migration_note=(
            "Строки: сегмент в прежнем срезе; столбцы: сегмент сейчас. "
            "В ячейке: клиенты и их текущая выручка."
        ),
        from_to="из \\ в",
        new_row="новые",
        gone_column="выбыли",
        moved="Перешли: {}, остались: {}, новые: {}, выбыли: {}.",
        main_flows="Основные потоки",
        no_flows="Ни один клиент не сменил сегмент.",
        flow="{}: {} → {}, {}",
        growth="Рост выручки по сегментам",
        accounts_before="Клиентов было",
        accounts_after="Клиентов стало",
        revenue_before="Выручка была",
        revenue_after="Выручка стала",
        change="Изменение",
        cohort="Рост клиентов, которые там были",
        top_accounts="Где действовать: клиенты с наибольшим разрывом",
        top_note="Первые {} в каждом сегменте по нереализованному потенциалу.",
        no_accounts="В сегменте нет клиентов.",
        calibration="Можно ли доверять потенциалу? Проверка на отложенной выборке",
        calibration_note=(
            "Потенциал отложенных клиентов оценён только по остальным клиентам "
            "и сравнён с тем, что они на самом деле купили."
        ),
        holdout="Клиентов в отложенной выборке",
        coverage="Выручка в пределах потенциала",
        target="цель",
        pinball="Пинбол-потери оценки",
        baseline="Пинбол-потери наивной оценки",
        skill="Выигрыш относительно наивной оценки",
        verdicts=_VERDICTS_RU,
        not_judged="В этом срезе нет данных калибровки.",
        leads="Лиды для передачи из маркетинга в продажи",
        leads_note="Лиды оцениваются только по потенциалу: сегменты 7, 4 и 1.",
        no_leads="Лиды не оценивались.",
        warnings="Предупреждения",
        thousand=" тыс.",
        million=" млн",
        billion=" млрд",
        decimal=",",
        group="\u202f",
        percent_sign="\u202f%",
    ),
}
