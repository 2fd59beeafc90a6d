"""Task ideas: MAGPIE-style sampling from a domain specification (the system prompt sets the scene, the model
writes the request), an LLM judge on complexity / clarity / resources, and near-duplicate removal."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, ValidationError

from litecoder_terminal.llm import LLMClient, Usage
from litecoder_terminal.spec import DomainSpec
from litecoder_terminal.spec.schema import DIFFICULTIES
from litecoder_terminal.synth.llm.stages import DIFFICULTY_GUIDE
from litecoder_terminal.synth.llm.tools import ActionError, parse_json_object, prompt
from litecoder_terminal.synth.procedural.dedup import NearDuplicateFilter

# Needs the judge cannot be trusted to catch every time; an idea naming them never reaches a paid stage.
_RED_FLAGS = re.compile(r"\b(gpus?|cuda|nvidia|tpu|internet access|download(s|ed|ing)? from|https?://(?!localhost|127\.))",
                        re.IGNORECASE)


AXES = ("complexity", "clarity", "resources", "discovery")
# What each target level must reach on the judge's absolute scales (clarity and resources use --judge-threshold).
# Easy passes at its own bar: a few direct steps (complexity 2) is what easy means. Hard must leave the method to
# be discovered (a symptom and a goal, not steps).
LEVEL_BARS: dict[str, dict[str, int]] = {
    "easy": {"complexity": 2, "discovery": 1},
    "medium": {"complexity": 3, "discovery": 2},
    "hard": {"complexity": 4, "discovery": 3},
}


class JudgeScores(BaseModel):
    complexity: int = Field(ge=1, le=5)
    clarity: int = Field(ge=1, le=5)
    resources: int = Field(ge=1, le=5)
    discovery: int = Field(3, ge=1, le=5)  # older judges (and caches) without the axis: neutral
    reason: str = ""


@dataclass
class Verdict:
    keep: bool
    reason: str
    axes: list[str]  # the axes that failed (drop grouping in report.json); empty when kept
    notes: str = ""  # scores and the judge's reason, for the refine stage


def bars(difficulty: str, threshold: int) -> dict[str, int]:
    return {"clarity": threshold, "resources": threshold, **LEVEL_BARS.get(difficulty, LEVEL_BARS["medium"])}


@dataclass
class IdeaRecord:
    index: int
    domain: str
    difficulty: str
    text: str
    status: str  # accepted | rejected | duplicate | invalid
    reason: str = ""
    task_id: str = ""
    axes: list[str] = field(default_factory=list)  # why it was dropped, by axis (judge axes, duplicate, cut...)
    notes: str = ""  # the judge's scores and reason (accepted ideas: forwarded to the refine stage)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def task_id_for(domain: str, text: str) -> str:
    return f"synth-{domain.replace('_', '-')}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def idea_messages(spec: DomainSpec, difficulty: str, index: int) -> list[dict]:
    system = prompt("idea_system", title=spec.title, description=spec.description.strip(),
                    subtopics=", ".join(spec.subtopics), skills=", ".join(spec.skills), tools=", ".join(spec.tools),
                    difficulty=difficulty, difficulty_text=spec.difficulty[difficulty],
                    guide=DIFFICULTY_GUIDE[difficulty])
    # MAGPIE: the scene is in the system prompt; the user turn is only the opening the model completes.
    return [{"role": "system", "content": system}, {"role": "user", "content": prompt("idea_user", index=index + 1).strip()}]


def judge(client: LLMClient, domain: str, idea: str, threshold: int, usage: Usage, difficulty: str = "medium",
          level_text: str = "") -> Verdict:
    """Scores the idea against its target level's bars (`LEVEL_BARS`). A judge reply that is not valid JSON
    scores counts as a rejection with that reason."""
    if m := _RED_FLAGS.search(idea):
        return Verdict(False, f"needs unavailable resources ({m.group(0)!r})", ["resources"])
    c = client.complete([{"role": "user", "content": prompt(
        "judge", domain=domain, idea=idea, difficulty=difficulty,
        level_text=level_text or DIFFICULTY_GUIDE.get(difficulty, ""))}])
    usage.add(c)
    try:
        scores = JudgeScores.model_validate(parse_json_object(c.text))
    except (ActionError, ValidationError) as e:
        if c.truncated:
            return Verdict(False, "judge reply cut at the per-call output limit (raise --max-output-tokens)",
                           ["judge_reply"])
        return Verdict(False, f"judge reply unusable: {str(e).splitlines()[0]}", ["judge_reply"])
    need = bars(difficulty, threshold)
    got = scores.model_dump(exclude={"reason"})
    notes = (f"target {difficulty}; scores " + ", ".join(f"{k} {got[k]}/5 (needs {need[k]})" for k in AXES)
             + (f"; reason: {scores.reason}" if scores.reason else ""))
    low = {k: got[k] for k in AXES if got[k] < need[k]}
    if low:
        return Verdict(False, f"judge ({difficulty}): " + ", ".join(f"{k} {v}<{need[k]}" for k, v in low.items())
                       + (f" ({scores.reason})" if scores.reason else ""), list(low), notes)
    return Verdict(True, scores.reason, [], notes)


class IdeaSource:
    """Draws ideas round-robin over domains and difficulties until `count` are accepted. Records every attempt
    (the caller persists them) so a resumed run replays them instead of drawing again."""

    def __init__(self, client: LLMClient, specs: dict[str, DomainSpec], domains: list[str], *, seed: int = 0,
                 judge_threshold: int = 3, dedup_threshold: float = 0.8):
        self.client, self.specs, self.domains, self.seed = client, specs, domains, seed
        self.judge_threshold = judge_threshold
        self.dedup = NearDuplicateFilter(dedup_threshold)
        self.usage = Usage()

    def remember(self, key: str, text: str) -> None:
        """An idea already accepted (this run's ledger, or the output dir's manifest): later ones must differ."""
        if key not in self.dedup.hashes:
            self.dedup.admit(key, text)

    def draw(self, index: int) -> IdeaRecord:
        domain = self.domains[index % len(self.domains)]
        difficulty = DIFFICULTIES[(index // len(self.domains)) % len(DIFFICULTIES)]
        c = self.client.complete(idea_messages(self.specs[domain], difficulty, index), salt=f"idea-{self.seed}-{index}")
        self.usage.add(c)
        text = c.text.strip()
        rec = IdeaRecord(index, domain, difficulty, text, "invalid")
        if c.truncated:
            rec.reason, rec.axes = "idea cut at the per-call output limit (raise --max-output-tokens)", ["cut"]
            return rec
        if len(text) < 40:
            rec.reason, rec.axes = "idea too short to build a task from", ["too_short"]
            return rec
        v = judge(self.client, domain, text, self.judge_threshold, self.usage, difficulty,
                  f"{self.specs[domain].difficulty.get(difficulty, '')}; {DIFFICULTY_GUIDE[difficulty]}")
        rec.notes = v.notes
        if not v.keep:
            rec.status, rec.reason, rec.axes = "rejected", v.reason, v.axes
            return rec
        rec.task_id = task_id_for(domain, text)
        if not self.dedup.admit(rec.task_id, text):
            rec.status, rec.reason, rec.axes = "duplicate", "near-duplicate of an idea already accepted", ["duplicate"]
            return rec
        rec.status, rec.reason = "accepted", v.reason
        return rec
