"""EventBridge schedule expressions (``rate(...)``, ``cron(...)``, ``at(...)``) and the local scheduler.

`parse_expression(text)` returns an object with ``next_after(datetime) -> datetime | None``. `Scheduler`
fires each enabled schedule of the template on its timetable (clock injectable, `tick()` drives it
deterministically in tests) and on request (`fire(name)`).
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from local.provision import FunctionSpec, ScheduleSpec

log = logging.getLogger("local.runtime.schedules")


class ScheduleExpressionError(ValueError):
    pass


class Expression(Protocol):
    def next_after(self, moment: datetime) -> datetime | None: ...


# --------------------------------------------------------------------------------------------- rate

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")


@dataclass(frozen=True)
class RateExpression:
    period: timedelta
    anchor: datetime | None = None  # first fire is one period after the anchor (the schedule's creation)

    def next_after(self, moment: datetime) -> datetime:
        anchor = self.anchor or moment
        if moment < anchor:
            return anchor + self.period
        elapsed = moment - anchor
        periods = int(elapsed / self.period) + 1
        return anchor + periods * self.period


def parse_rate(text: str) -> RateExpression:
    match = _RATE.match(text.strip())
    if not match:
        raise ScheduleExpressionError(f"invalid rate expression {text!r}")
    value, unit = int(match.group(1)), match.group(2)
    if value <= 0:
        raise ScheduleExpressionError(f"{text!r}: the value must be positive")
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleExpressionError(f"{text!r}: use '{unit.rstrip('s')}' for 1 and '{unit.rstrip('s')}s' above")
    unit_seconds = {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")]
    return RateExpression(period=timedelta(seconds=value * unit_seconds))


# --------------------------------------------------------------------------------------------- cron

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS = {k.upper(): v for k, v in _MONTHS.items()}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _field_values(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        step = 1
        part = item
        if "/" in item:
            part, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleExpressionError(f"invalid step in {text!r}")
            step = int(step_text)

        def number(token: str) -> int:
            token = token.upper()
            if names and token in names:
                return names[token]
            if not token.isdigit():
                raise ScheduleExpressionError(f"invalid value {token!r} in {text!r}")
            return int(token)

        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = number(first), number(last)
        else:
            start = number(part)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleExpressionError(f"value out of range {low}-{high} in {text!r}")
        if start <= end:
            values.update(range(start, end + 1, step))
        else:  # wrap-around range such as FRI-MON
            values.update(v for i, v in enumerate([*range(start, high + 1), *range(low, end + 1)]) if i % step == 0)
    return values


@dataclass(frozen=True)
class CronExpression:
    """AWS cron: ``minutes hours day-of-month month day-of-week year`` (day-of-week 1-7 = SUN-SAT).

    Supports ``*``, ``?``, lists, ranges, steps, month/day names, ``L`` (last day of month / last <weekday>
    of month as ``6L``), ``W`` (nearest weekday, ``15W``/``LW``) and ``#`` (``3#2``: second Tuesday).
    """

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int]
    timezone: str = "UTC"

    def _day_matches(self, day: datetime) -> bool:  # noqa: PLR0911
        dom, dow = self.day_of_month, self.day_of_week
        last_day = calendar.monthrange(day.year, day.month)[1]
        aws_weekday = (day.weekday() + 1) % 7 + 1  # Monday=0 -> 2 ... Sunday=6 -> 1
        if dom != "?":
            if dom == "L":
                return day.day == last_day
            if dom == "LW":
                return day.day == _nearest_weekday(day.year, day.month, last_day)
            if dom.endswith("W"):
                return day.day == _nearest_weekday(day.year, day.month, int(dom[:-1]))
            return day.day in _field_values(dom, 1, 31)
        if dow == "?":
            return True
        if "#" in dow:
            weekday_text, nth = dow.split("#", 1)
            weekday = _field_values(weekday_text, 1, 7, _DAYS)
            return aws_weekday in weekday and (day.day - 1) // 7 + 1 == int(nth)
        if dow.endswith("L") and dow != "L":
            weekday = _field_values(dow[:-1], 1, 7, _DAYS)
            return aws_weekday in weekday and day.day + 7 > last_day
        if dow == "L":
            return aws_weekday == 7
        return aws_weekday in _field_values(dow, 1, 7, _DAYS)

    def next_after(self, moment: datetime) -> datetime | None:
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = local.replace(hour=0, minute=0)
        first = True
        for _ in range(366 * 6):
            if day.year > max(self.years):
                return None
            if day.year in self.years and day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if first and candidate < local:
                            continue
                        return candidate.astimezone(UTC)
            first = False
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None


def _nearest_weekday(year: int, month: int, day_number: int) -> int:
    last_day = calendar.monthrange(year, month)[1]
    day_number = min(day_number, last_day)
    weekday = calendar.weekday(year, month, day_number)  # Monday=0
    if weekday == 5:  # Saturday -> Friday, unless that leaves the month
        return day_number - 1 if day_number > 1 else day_number + 2
    if weekday == 6:  # Sunday -> Monday, unless that leaves the month
        return day_number + 1 if day_number < last_day else day_number - 2
    return day_number


def parse_cron(text: str, timezone: str = "UTC") -> CronExpression:
    match = re.match(r"^cron\((.*)\)$", text.strip())
    if not match:
        raise ScheduleExpressionError(f"invalid cron expression {text!r}")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ScheduleExpressionError(f"{text!r}: AWS cron needs 6 fields (minutes hours dom month dow year)")
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(f"{text!r}: exactly one of day-of-month and day-of-week must be '?'")
    expression = CronExpression(
        text=text,
        minutes=frozenset(_field_values(minutes, 0, 59)),
        hours=frozenset(_field_values(hours, 0, 23)),
        day_of_month=dom.upper(),
        months=frozenset(_field_values(month, 1, 12, _MONTHS)),
        day_of_week=dow.upper(),
        years=frozenset(_field_values(year, 1970, 2199)),
        timezone=timezone,
    )
    # validate the day fields once (raises on bad syntax)
    expression._day_matches(datetime(2026, 1, 15, tzinfo=UTC))
    return expression


# --------------------------------------------------------------------------------------------- at


@dataclass(frozen=True)
class AtExpression:
    moment: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        return self.moment if self.moment > moment else None


def parse_expression(text: str, timezone: str = "UTC") -> Expression:
    text = text.strip()
    if text.startswith("rate("):
        return parse_rate(text)
    if text.startswith("cron("):
        return parse_cron(text, timezone)
    if text.startswith("at(") and text.endswith(")"):
        try:
            moment = datetime.fromisoformat(text[3:-1]).replace(tzinfo=ZoneInfo(timezone))
        except ValueError:
            raise ScheduleExpressionError(f"invalid at expression {text!r}") from None
        return AtExpression(moment.astimezone(UTC))
    raise ScheduleExpressionError(f"unknown schedule expression {text!r} (rate(...), cron(...) or at(...))")


# --------------------------------------------------------------------------------------------- events


def scheduled_event(schedule: ScheduleSpec, *, region: str, account_id: str, now: datetime) -> Any:
    """What the function receives: the schedule's Input, else the EventBridge "Scheduled Event"."""
    if schedule.input is not None:
        return json.loads(schedule.input)
    if schedule.kind == "ScheduleV2":
        return {}
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [schedule.rule_arn],
        "detail": {},
    }


# --------------------------------------------------------------------------------------------- scheduler

FireCallback = Callable[[FunctionSpec, ScheduleSpec, Any], Any]
"""(function, schedule, event) -> whatever the runtime returns for the invocation."""


@dataclass
class _Entry:
    function: FunctionSpec
    schedule: ScheduleSpec
    expression: Expression
    due: datetime | None


class Scheduler:
    """Fires the template's schedules on their timetable (when started) and on request."""

    def __init__(
        self,
        functions: Iterable[FunctionSpec],
        fire: FireCallback,
        *,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
        tick_interval_s: float = 1.0,
    ) -> None:
        self._fire = fire
        self.region = region
        self.account_id = account_id
        self._clock = clock
        self._tick_interval = tick_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        now = self.now()
        self.entries: list[_Entry] = []
        for function in functions:
            for schedule in function.schedules:
                expression = parse_expression(schedule.expression, schedule.timezone)
                if isinstance(expression, RateExpression):
                    expression = RateExpression(expression.period, anchor=now)
                due = expression.next_after(now) if schedule.enabled else None
                self.entries.append(_Entry(function, schedule, expression, due))

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), tz=UTC)

    def tick(self) -> list[tuple[str, str]]:
        """Fire every schedule that is due now (once each, no backfill); returns (function, rule) fired."""
        now = self.now()
        fired: list[tuple[str, str]] = []
        with self._lock:
            due = [entry for entry in self.entries if entry.due is not None and entry.due <= now]
            for entry in due:
                entry.due = entry.expression.next_after(now)
        for entry in due:
            self._invoke(entry, now)
            fired.append((entry.function.name, entry.schedule.rule_name))
        return fired

    def _invoke(self, entry: _Entry, now: datetime) -> Any:
        event = scheduled_event(entry.schedule, region=self.region, account_id=self.account_id, now=now)
        log.info("schedule %s fires %s", entry.schedule.rule_name, entry.function.name)
        return self._fire(entry.function, entry.schedule, event)

    def matching(self, name: str) -> list[_Entry]:
        """Entries whose function (logical id, name, ARN), rule name, or ``Function.Event`` match ``name``."""
        return [
            entry
            for entry in self.entries
            if name
            in (
                entry.function.logical_id,
                entry.function.name,
                entry.function.arn,
                entry.schedule.rule_name,
                entry.schedule.event_name,
                f"{entry.function.logical_id}.{entry.schedule.event_name}",
                f"{entry.function.logical_id}{entry.schedule.event_name}",
            )
        ]

    def require(self, name: str) -> list[_Entry]:
        """`matching`, or KeyError naming what is known."""
        entries = self.matching(name)
        if not entries:
            known = sorted({e.function.logical_id for e in self.entries} | {e.schedule.rule_name for e in self.entries})
            raise KeyError(f"no schedule for {name!r} (known: {', '.join(known) or 'none'})")
        return entries

    def event_for(self, entry: _Entry) -> Any:
        return scheduled_event(entry.schedule, region=self.region, account_id=self.account_id, now=self.now())

    def fire(self, name: str) -> list[tuple[_Entry, Any]]:
        """Fire the matching schedules now (disabled ones too: an explicit request); KeyError if none."""
        entries = self.require(name)
        now = self.now()
        return [(entry, self._invoke(entry, now)) for entry in entries]

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "function": e.function.name,
                "logicalId": e.function.logical_id,
                "event": e.schedule.event_name,
                "rule": e.schedule.rule_name,
                "expression": e.schedule.expression,
                "enabled": e.schedule.enabled,
                "next": e.due.strftime("%Y-%m-%dT%H:%M:%SZ") if e.due else None,
            }
            for e in self.entries
        ]

    def start(self) -> None:
        if self._thread is not None or not self.entries:
            return
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._tick_interval):
            try:
                self.tick()
            except Exception:  # pragma: no cover - keep the timetable running
                log.exception("scheduler tick failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
