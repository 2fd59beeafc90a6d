"""Task ideas: MAGPIE-style sampling from a domain specification (the system prompt sets the scene, the model
writes the request), an LLM judge on complexity / clarity / resources, and near-duplicate removal."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field, ValidationError

from litecoder_terminal.llm import LLMClient, Usage
from litecoder_terminal.spec import DomainSpec
from litecoder_terminal.spec.schema import DIFFICULTIES
from litecoder_terminal.synth.llm.tools import ActionError, parse_json_object, prompt
from litecoder_terminal.synth.procedural.dedup import NearDuplicateFilter

# Needs the judge cannot be trusted to catch every time; an idea naming them never reaches a paid stage.
_RED_FLAGS = re.compile(r"\b(gpus?|cuda|nvidia|tpu|internet access|download(s|ed|ing)? from|https?://(?!localhost|127\.))",
                        re.IGNORECASE)


class JudgeScores(BaseModel):
    complexity: int = Field(ge=1, le=5)
    clarity: int = Field(ge=1, le=5)
    resources: int = Field(ge=1, le=5)
    reason: str = ""


@dataclass
class IdeaRecord:
    index: int
    domain: str
    difficulty: str
    text: str
    status: str  # accepted | rejected | duplicate | invalid
    reason: str = ""
    task_id: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def task_id_for(domain: str, text: str) -> str:
    return f"synth-{domain.replace('_', '-')}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def idea_messages(spec: DomainSpec, difficulty: str, index: int) -> list[dict]:
    system = prompt("idea_system", title=spec.title, description=spec.description.strip(),
                    subtopics=", ".join(spec.subtopics), skills=", ".join(spec.skills), tools=", ".join(spec.tools),
                    difficulty=difficulty, difficulty_text=spec.difficulty[difficulty])
    # MAGPIE: the scene is in the system prompt; the user turn is only the opening the model completes.
    return [{"role": "system", "content": system}, {"role": "user", "content": prompt("idea_user", index=index + 1).strip()}]


def judge(client: LLMClient, domain: str, idea: str, threshold: int, usage: Usage) -> tuple[bool, str]:
    """(keep, reason). A judge reply that is not valid JSON scores counts as a rejection with that reason."""
    if m := _RED_FLAGS.search(idea):
        return False, f"needs unavailable resources ({m.group(0)!r})"
    c = client.complete([{"role": "user", "content": prompt("judge", domain=domain, idea=idea)}])
    usage.add(c)
    try:
        scores = JudgeScores.model_validate(parse_json_object(c.text))
    except (ActionError, ValidationError) as e:
        return False, f"judge reply unusable: {str(e).splitlines()[0]}"
    low = {k: v for k, v in scores.model_dump(exclude={"reason"}).items() if v < threshold}
    if low:
        return False, "judge: " + ", ".join(f"{k} {v}<{threshold}" for k, v in low.items()) + \
            (f" ({scores.reason})" if scores.reason else "")
    return True, scores.reason


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
        if len(text) < 40:
            rec.reason = "idea too short to build a task from"
            return rec
        keep, reason = judge(self.client, domain, text, self.judge_threshold, self.usage)
        if not keep:
            rec.status, rec.reason = "rejected", reason
            return rec
        rec.task_id = task_id_for(domain, text)
        if not self.dedup.admit(rec.task_id, text):
            rec.status, rec.reason = "duplicate", "near-duplicate of an idea already accepted"
            return rec
        rec.status, rec.reason = "accepted", reason
        return rec
