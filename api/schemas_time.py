"""Pydantic models of the topics-over-time responses (issue 25): /changes,
/communities/{id}/history, /timeline, /emerging."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import ListEnvelope

__all__ = ["Change", "ChangeList", "RunChanges", "History", "BurstOut", "Series", "Timeline",
           "EmergingItem", "Emerging"]

ChangeKind = Literal["born", "grew", "shrank", "same", "split", "merged", "died"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Change(_Out):
    run: str = Field(description="started_at of the analyze run that recorded it.")
    id: int = Field(description="The community id (stable across runs).")
    level: int = Field(description="0 topic, 1 subtopic.")
    kind: ChangeKind
    size_before: int
    size_after: int
    delta: int = Field(description="size_after - size_before.")
    added: int = Field(description="Papers that joined it.")
    removed: int = Field(description="Papers that left it.")
    from_: list[int] = Field(alias="from", description="split: the community it was carved from; "
                             "merged: the communities it took in.")
    into: list[int] = Field(description="split: the communities it went into; merged: the one it joined.")


class RunChanges(_Out):
    started_at: str
    summary: dict[str, dict[str, int]] = Field(description="Per level ('0' topics, '1' subtopics): kind -> count.")


class ChangeList(ListEnvelope):
    items: list[Change]
    runs: list[RunChanges] = Field(description="The analyze runs covered, newest first, with their summaries.")


class History(ListEnvelope):
    id: int
    items: list[Change]


class BurstOut(_Out):
    start: int = Field(description="First year of the burst.")
    end: int = Field(description="Last year of the burst.")
    strength: float = Field(description="Cost saved by the burst state (Kleinberg's weight).")


class Series(_Out):
    id: int | str = Field(description="Community id, or the keyword.")
    label: str
    level: int | None = Field(None, description="Communities: 0 topic, 1 subtopic; keywords: null.")
    parent: int | None = None
    size: int
    counts: dict[str, int] = Field(description="Papers per year.")
    growth: dict[str, float | None] = Field(description="Change from the year before over that year's count.")
    undated: int = Field(description="Its papers without a year (in no count).")
    bursts: list[BurstOut]


class _TimeMeta(ListEnvelope):
    years: list[int]
    papers: int = Field(description="Papers in the corpus.")
    undated: int = Field(description="Papers without a year: counted apart, in no year.")
    params: dict[str, float] = Field(description="The burst automaton's s and gamma.")


class Timeline(_TimeMeta):
    items: list[Series]


class EmergingItem(Series):
    kind: Literal["community", "keyword"]
    reason: Literal["burst", "growth"]
    burst: BurstOut | None = Field(description="The burst covering the year, if any.")
    growth_at_year: float | None


class Emerging(_TimeMeta):
    year: int
    items: list[EmergingItem]
