"""The family kit: what every procedural family shares, written once (docs/families.md is its contract).

A family is the folder synth/procedural/<domain>/<name>/ with `family.py` (a `KitFamily` subclass) and `data/`
(templates, the verifier file, solver scripts: package data). One substitution rule for every template:
`@@name@@`, strict both ways (a placeholder without a value and a value without a placeholder are errors).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from importlib import resources
from types import SimpleNamespace
from typing import Any, ClassVar

from litecoder_terminal.synth.procedural.base import Handoff, TaskDraft, TaskFamily

PLACEHOLDER = re.compile(r"@@([A-Za-z_][A-Za-z0-9_]*)@@")
LEVEL_NAMES = ("easy", "medium", "hard")
EXPECTED = "tests/expected.json"  # read in the verifier with lct_verify.expected()


class TemplateError(ValueError):
    """A template and its values disagree; the message names the template."""


def render(text: str, values: dict[str, Any], *, where: str = "template", allow_unused: bool = False) -> str:
    """Replace every `@@name@@` by `values[name]` (str or int). Placeholders without a value and values without a
    placeholder are errors (`allow_unused` lifts the second rule: the instruction's variants tell different
    amounts): a typo never ships a literal `@@name@@` or silently drops a value. Data for the
    verifier goes to tests/expected.json (`expected_file`), never into code by substitution."""
    names = set(PLACEHOLDER.findall(text))
    missing = sorted(names - set(values))
    unused = [] if allow_unused else sorted(set(values) - names)
    if missing or unused:
        raise TemplateError(f"{where}: " + "; ".join(
            ([f"no value for @@{n}@@" for n in missing]) + ([f"value {n!r} has no @@{n}@@" for n in unused])))
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TemplateError(f"{where}: value {name!r} is a {type(value).__name__}; only str and int are "
                                "substituted (put data in tests/expected.json with kit.expected_file)")
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


class Levels:
    """Difficulty as levels over named knobs: `Levels(maps=(1, 2, 3), doors=(0, 2, 3))` gives each knob its easy,
    medium and hard value; `at(level, overrides)` is the knobs of one level with single knobs overridden."""

    def __init__(self, **knobs: tuple):
        for name, values in knobs.items():
            if not isinstance(values, tuple) or len(values) != len(LEVEL_NAMES):
                raise ValueError(f"knob {name!r}: give a ({', '.join(LEVEL_NAMES)}) tuple, got {values!r}")
        self.knobs = knobs

    def at(self, level: str, overrides: dict[str, Any] | None = None) -> SimpleNamespace:
        if level not in LEVEL_NAMES:
            raise ValueError(f"unknown difficulty {level!r} (one of {', '.join(LEVEL_NAMES)})")
        unknown = sorted(set(overrides or {}) - set(self.knobs))
        if unknown:
            raise ValueError(f"unknown knob(s) {unknown}; this family's knobs: {sorted(self.knobs)}")
        i = LEVEL_NAMES.index(level)
        return SimpleNamespace(**({k: v[i] for k, v in self.knobs.items()} | (overrides or {})))


@dataclass(frozen=True)
class Knob:
    """One choice of the reference solver: `right` is the text the reference uses, `wrong` the known mistake
    (both substituted for the knob's @@placeholder@@ in the solver template); `why` says what goes wrong."""

    right: str
    wrong: str
    why: str


class Solver:
    """The reference solver and its known-wrong variants from one template: each wrong solution is the reference
    with exactly one knob flipped (so a wrong solution differs from the reference by one decision, on purpose)."""

    def __init__(self, template: str, knobs: dict[str, Knob], *, where: str = "solve.sh"):
        self.template, self.knobs, self.where = template, knobs, where
        for name, knob in knobs.items():
            if knob.right == knob.wrong:
                raise TemplateError(f"{where}: knob {name!r} has the same right and wrong text")

    def render(self, values: dict[str, Any], flip: str | None = None) -> str:
        if flip is not None and flip not in self.knobs:
            raise KeyError(f"{self.where}: no knob {flip!r} (knobs: {sorted(self.knobs)})")
        chosen = {k: (kn.wrong if k == flip else kn.right) for k, kn in self.knobs.items()}
        return render(self.template, {**values, **chosen}, where=self.where)

    def files(self, values: dict[str, Any], wrong: dict[str, str]) -> dict[str, str]:
        """solution/solve.sh plus solution/wrong/<name>.sh for each `name: knob` in `wrong`, each headed by a
        comment saying which mistake it makes. Every knob must appear in the template (render's strict rule)."""
        ref = self.render(values)
        out = {"solution/solve.sh": ref}
        for name, knob in wrong.items():
            body = self.render(values, flip=knob)  # differs from ref: the knob is used and right != wrong
            head, _, rest = body.partition("\n")
            out[f"solution/wrong/{name}.sh"] = f"{head}\n# Known wrong: {self.knobs[knob].why}\n{rest}"
        return out


def sha256(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def digests(files: dict[str, str | bytes], context: str, dest: str) -> dict[str, str]:
    """sha256 of the task's inputs as the agent sees them: files under `environment/<context>` that the Dockerfile
    copies to `dest`, keyed by their absolute path in the container (lct_verify.untouched checks them)."""
    prefix = f"environment/{context.strip('/')}/" if context.strip("/") else "environment/"
    out = {f"{dest.rstrip('/')}/{p[len(prefix):]}": sha256(v) for p, v in files.items() if p.startswith(prefix)}
    if not out:
        raise ValueError(f"no files under {prefix} to digest")
    return dict(sorted(out.items()))


def expected_file(data: dict[str, Any]) -> dict[str, str]:
    """The verifier's hidden data (answers, digests of untouched inputs under "untouched") as tests/expected.json;
    tests read it with lct_verify.expected(). It lives in tests/ only, which the agent never sees."""
    return {EXPECTED: json.dumps(data, indent=1, sort_keys=True) + "\n"}


def choose(rng: random.Random, text: str) -> str:
    """One of several phrasings, given as paragraphs separated by blank lines (an intros.txt file)."""
    options = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not options:
        raise ValueError("no options to choose from")
    return options[rng.randrange(len(options))]


class KitFamily(TaskFamily):
    """Base of a family on the kit. Subclasses set `levels` (a `Levels`) and implement `build(rng)`; `name`,
    `domain` and the data folder come from where family.py lives."""

    levels: ClassVar[Levels] = Levels()

    @property
    def knobs(self) -> SimpleNamespace:
        """This instance's knob values: its level's, with the config's single-knob overrides."""
        try:
            return self.levels.at(self.config.difficulty, self.config.knobs)
        except ValueError as e:
            raise ValueError(f"family {self.name}: {e}") from None

    @property
    def specificity(self) -> str:
        return self.config.specificity_in_force

    def data(self, name: str) -> str:
        """A file of this family's data/ folder (package data), as text."""
        if self.folder is None:
            raise TypeError(f"{type(self).__name__} is not in a kit family folder (<domain>/<name>/family.py)")
        path = resources.files(self.folder).joinpath("data", name)
        if not path.is_file():
            raise FileNotFoundError(f"family {self.name}: no data/{name} in {self.folder}")
        return path.read_text(encoding="utf-8")

    def data_names(self, folder: str) -> list[str]:
        """Names of the files in a data/ sub-folder (e.g. "alt"), sorted."""
        path = resources.files(self.folder).joinpath("data", folder)
        return sorted(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else []

    def template(self, name: str, **values: Any) -> str:
        return render(self.data(name), values, where=f"{self.folder}/data/{name}")

    def intro(self, rng: random.Random, **values: Any) -> str:
        """The first sentence(s) of the instruction: one paragraph of data/intros.txt, chosen by the seed (each
        paragraph may use any of the values)."""
        return render(choose(rng, self.data("intros.txt")), values, where=f"{self.folder}/data/intros.txt",
                      allow_unused=True)

    def instruction(self, **values: Any) -> str:
        """data/instruction.<specificity>.md (full, partial or symptom), rendered: how much the task tells is one
        knob of every family; at `symptom` it states the symptom and the goal, not the files, cause or steps."""
        name = f"instruction.{self.specificity}.md"
        return render(self.data(name), values, where=f"{self.folder}/data/{name}", allow_unused=True)

    def solver(self, knobs: dict[str, Knob], name: str = "solve.sh") -> Solver:
        return Solver(self.data(name), knobs, where=f"{self.folder}/data/{name}")

    def alt_solutions(self, **values: Any) -> dict[str, str]:
        """Every data/alt/*.sh rendered as solution/alt/*.sh: different correct solutions (another tool,
        language or order of work), each of which must score 1."""
        return {f"solution/alt/{n}": self.template(f"alt/{n}", **values) for n in self.data_names("alt")
                if n.endswith(".sh")}

    def verifier(self, name: str = "verify.py", **values: Any) -> dict[str, str]:
        """data/verify.py rendered as tests/test_outputs.py."""
        return {"tests/test_outputs.py": self.template(name, **values)}


def draft(**kwargs: Any) -> TaskDraft:
    """A TaskDraft (kept here so a family imports only the kit)."""
    return TaskDraft(**kwargs)


__all__ = ["EXPECTED", "Handoff", "Knob", "KitFamily", "Levels", "Solver", "TemplateError", "choose", "digests",
           "draft", "expected_file", "render", "sha256"]
