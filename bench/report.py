"""The benchmark's results: figures side by side with their peers, as tables, JSON and Markdown.

A :class:`Figure` is one measured quantity with every sample of the run; its ``peer`` names the
figure of the same section it is compared with (the ratio is this median over the peer's). A
:class:`Target` is a goal from issue 11, checked against a figure or a ratio. ``facts`` hold what
is not a time or a size: the proof that a rebuild installed nothing, compilers found in an image.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

STEPS_GROUP = "steps"


@dataclass
class Figure:
    name: str
    samples: list[float]
    unit: str = "s"
    peer: str | None = None
    group: str = ""  # "steps": one validation step's time, shown in its own table

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def low(self) -> float:
        return min(self.samples, default=float("nan"))

    @property
    def high(self) -> float:
        return max(self.samples, default=float("nan"))


@dataclass
class Target:
    text: str  # what is compared, e.g. "scaffold / copier"
    value: float
    limit: float
    unit: str = "s"
    strict: bool = False  # "under" (value < limit) rather than "at most"

    @property
    def met(self) -> bool:
        return self.value < self.limit if self.strict else self.value <= self.limit


@dataclass
class Section:
    key: str
    title: str
    runs: int = 0
    figures: list[Figure] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def figure(self, name: str) -> Figure:
        return next(fig for fig in self.figures if fig.name == name)

    def ratio(self, fig: Figure) -> float | None:
        if fig.peer is None:
            return None
        peer = self.figure(fig.peer).median
        return fig.median / peer if peer else None


@dataclass
class Results:
    machine: dict[str, str]
    sections: list[Section] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "sections": [_section_dict(section) for section in self.sections],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        sections = []
        for raw in data["sections"]:
            figures = [
                Figure(f["name"], f["samples"], f["unit"], f["peer"], f["group"])
                for f in raw["figures"]
            ]
            targets = [
                Target(t["text"], t["value"], t["limit"], t["unit"], t["strict"])
                for t in raw["targets"]
            ]
            sections.append(
                Section(raw["key"], raw["title"], raw["runs"], figures, targets, raw["facts"])
            )
        return cls(data["machine"], sections)


def _section_dict(section: Section) -> dict[str, Any]:
    data = asdict(section)
    for raw, fig in zip(data["figures"], section.figures, strict=True):
        raw.update(median=fig.median, min=fig.low, max=fig.high, ratio=section.ratio(fig))
    for raw, target in zip(data["targets"], section.targets, strict=True):
        raw["met"] = target.met
    return data


# --- plain-text tables ------------------------------------------------------------------------


def _amount(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:g} {unit}".rstrip()


def _ratio_text(section: Section, fig: Figure) -> str:
    ratio = section.ratio(fig)
    return f"{ratio:.2f}x {fig.peer}" if ratio is not None else ""


def machine_line(machine: dict[str, str]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in machine.items())


def text_tables(results: Results) -> str:
    lines = [machine_line(results.machine)]
    for section in results.sections:
        runs = "once" if section.runs == 1 else f"{section.runs} runs, in turns"
        lines += ["", f"== {section.title} ({runs}) =="]
        figures = [fig for fig in section.figures if fig.group != STEPS_GROUP]
        width = max((len(fig.name) for fig in figures), default=10) + 2
        lines.append(f"{'figure':<{width}} {'median':>10} {'min-max':>16}  vs peer")
        for fig in figures:
            lines.append(
                f"{fig.name:<{width}} {_amount(fig.median, fig.unit):>10} "
                f"{_spread(fig):>16}  {_ratio_text(section, fig)}"
            )
        lines += _steps_text(section)
        lines += [f"target: {_target_text(target)}" for target in section.targets]
        lines += [f"{key}: {json.dumps(value)}" for key, value in section.facts.items()]
    return "\n".join(lines)


def _spread(fig: Figure) -> str:
    low, high = _amount(fig.low, fig.unit), _amount(fig.high, fig.unit)
    return low if low == high else f"{low.split()[0]}-{high}"


def _target_text(target: Target) -> str:
    sign = "<" if target.strict else "<="
    verdict = "met" if target.met else "MISSED"
    value, limit = _amount(target.value, target.unit), _amount(target.limit, target.unit)
    return f"{target.text} = {value} ({sign} {limit}: {verdict})"


# --- Markdown, for the README -----------------------------------------------------------------


def markdown(results: Results) -> str:
    """The figures, targets and step times as Markdown tables, with the machine they ran on."""
    out = [f"Measured on {machine_line(results.machine)}.", ""]
    out += ["| section | figure | median | min-max | vs peer |", "|---|---|---|---|---|"]
    for section in results.sections:
        for fig in section.figures:
            if fig.group == STEPS_GROUP:
                continue
            median = _amount(fig.median, fig.unit)
            out.append(
                f"| {section.title} | {fig.name} | {median} | {_spread(fig)} "
                f"| {_ratio_text(section, fig)} |"
            )
    targets = [target for section in results.sections for target in section.targets]
    if targets:
        out += ["", "| target | result |", "|---|---|"]
        out += [f"| {t.text} | {_target_text(t).split(' = ', 1)[1]} |" for t in targets]
    for section in results.sections:
        out += _steps_markdown(section)
        out += [f"- {section.title}: {key} = `{json.dumps(v)}`" for key, v in section.facts.items()]
    return "\n".join(out) + "\n"


def _steps_rows(section: Section) -> list[list[str]]:
    """Step times pivoted, header first: a row per step, a column per variant (medians, s).

    Step figures are named "VARIANT: STEP".
    """
    table: dict[str, dict[str, float]] = {}
    variants: list[str] = []
    for fig in section.figures:
        if fig.group != STEPS_GROUP:
            continue
        variant, step = fig.name.split(": ", 1)
        if variant not in variants:
            variants.append(variant)
        table.setdefault(step, {})[variant] = fig.median
    if not table:
        return []
    rows = [[f"{section.title}: step (median s)", *variants]]
    for step, values in table.items():
        rows.append([step, *(f"{values[v]:.2f}" if v in values else "" for v in variants)])
    return rows


def _steps_markdown(section: Section) -> list[str]:
    rows = _steps_rows(section)
    if not rows:
        return []
    lines = ["", "| " + " | ".join(rows[0]) + " |", "|---" * len(rows[0]) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows[1:]]


def _steps_text(section: Section) -> list[str]:
    rows = _steps_rows(section)
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [""] + [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
