"""Implement an INI-to-JSON command-line converter to a written specification; hidden files and flags check it.

The dialect varies with the seed (comment characters, key/value separators, boolean words, flag names, exit
codes, empty values), so every task is a slightly different tool to build. The reference converter is
data/tool.py (dialect values and solver knobs as @@placeholders@@); at build time it is run on the hidden files
and invocations, and its results (exit status, output as data, the line an error names) go to
tests/expected.json: the verifier holds answers, never the reference code.
"""

from __future__ import annotations

import json
import random
import re

from litecoder_terminal.synth.procedural import kit

BOOL_SETS = {
    "tfyno": {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False},
    "tfyn": {"true": True, "false": False, "yes": True, "no": False},
    "tfo": {"true": True, "false": False, "on": True, "off": False},
}
TOOLS = ["ini2json", "cfgdump", "confjson", "inicat", "ini-export", "cfg2json", "iniq"]
SECTIONS = ["server", "database", "cache", "logging", "auth", "paths", "features", "Metrics", "smtp", "worker",
            "retry", "storage"]
KEYS = ["host", "port", "timeout", "enabled", "name", "path", "level", "ratio", "user", "retries", "mode", "url",
        "max_conn", "debug", "Token", "dir", "format", "interval", "weight", "LogFile"]
CONFIGS = ["billing", "search", "gateway", "scheduler", "mailer", "inventory", "reports"]

# Each known-wrong converter is the reference with one of these flipped (the texts are lines of data/tool.py).
KNOBS = {
    "bool_words": kit.Knob("BOOL_WORDS = dict(DIALECT_BOOLS)", 'BOOL_WORDS = {"true": True, "false": False}',
                           "only true/false are booleans (the dialect's other boolean words stay strings)"),
    "split_at": kit.Knob("min(positions)", 'line.find("=") if "=" in line else min(positions)',
                         "splits a key line at '=' even when ':' comes first"),
    "key_case": kit.Knob("key = key.lower()", "key = key.strip()", "keeps the keys' letter case"),
    "store": kit.Knob("sections.setdefault(sec, {})[key] = (value, quoted)",
                      "sections.setdefault(sec, {}).setdefault(key, (value, quoted))",
                      "keeps the first value of a repeated key instead of the last"),
    "inline": kit.Knob("True", "False", "does not strip inline comments"),
}
_LOADED: dict[str, dict] = {}


def load(source: str) -> dict:
    """The namespace of a rendered converter (our own text, run at build time to compute the answers)."""
    if source not in _LOADED:
        if len(_LOADED) > 64:
            _LOADED.clear()
        ns: dict = {"__name__": "ini_reference"}
        exec(compile(source, "ini_reference", "exec"), ns)
        _LOADED[source] = ns
    return _LOADED[source]


def outcome(ns: dict, inv: dict, files: dict[str, str]) -> dict:
    """What the converter does on one invocation: exit status, output as data, the line an error names."""
    def read(path: str) -> str:
        if path in files:
            return files[path]
        raise FileNotFoundError(2, "No such file or directory", path)

    code, out, err = ns["run"](inv["args"], files[inv["stdin"]] if "stdin" in inv else "", read)
    m = re.search(r"line (\d+)", err)
    return {"code": code, "output": json.loads(out) if code == 0 else None, "line": int(m.group(1)) if m else None}


def _value(rng: random.Random, features: int, c: str) -> str:
    kind = rng.randrange(12)
    if kind == 0:
        return str(rng.randint(-500, 70000))
    if kind == 1:
        return f"{rng.randint(0, 99)}.{rng.randint(0, 999):0{rng.randint(1, 3)}d}"
    if kind == 2:
        return rng.choice(["true", "False", "yes", "NO", "on", "Off", "TRUE"])
    if kind == 3:
        return ""
    if kind == 4:
        return '"' + rng.choice(["42", "true", "", " padded ", f"a {c[0]} b", "x=y", "multi word"]) + '"'
    if kind == 5:
        return rng.choice(["http://example.com:8080/api", "a=b=c", "12:30", "C:\\temp", "key: value"])
    if kind == 6:
        return rng.choice(["007", "-0", "1e5", "3.", ".5", "+4", "1,000", "0x1F"])
    if kind == 7 and features >= 2:
        return rng.choice([f"value {c[0]} trailing comment", f"42 {c[-1]} the answer", f"on   {c[0]}toggle",
                           f'"quoted {c[0]} kept" {c[-1]} gone', f"no{c[0]}space-needed", "a;b#c",
                           f'"x" {c[0]} c'])
    return rng.choice(["/var/lib/app", "INFO", "alice", "eu-west-1", "fast mode", "v2.1", "none", "NULL", "~"])


def make_ini(rng: random.Random, features: int, comments: str, seps: str, error: bool) -> tuple[str, list[str]]:
    """An INI file of the dialect (with one bad line when `error`) and its section names."""
    c = comments
    lines: list[str] = []
    secs: list[str] = []
    if rng.random() < 0.7:
        lines.append(rng.choice([f"{c[0]} generated config", f"{c[-1]} top comment", f"   {c[0]} indented"]))
    for _ in range(rng.randint(0, 3)):  # keys before the first section
        lines.append(f"{rng.choice(KEYS)} = {_value(rng, features, c)}")
    names = rng.sample(SECTIONS, rng.randint(1, 5))
    if rng.random() < 0.3:
        names.append(names[0])  # section re-opened later
    separators = [" = ", "=", "\t=\t"] + ([": ", " : "] if ":" in seps else [])
    for name in names:
        lines.append(rng.choice([f"[{name}]", f"[ {name} ]", f"[{name}]  "]))
        secs.append(name)
        for _ in range(rng.randint(0, 6)):
            key = rng.choice(KEYS)
            if features >= 1 and rng.random() < 0.2:
                key = key.upper()
            indent = rng.choice(["", "", "  ", "\t"]) if features < 2 else ""
            lines.append(f"{indent}{key}{rng.choice(separators)}{_value(rng, features, c)}")
            if features >= 2 and rng.random() < 0.15:
                lines.append(rng.choice(["    continued text", "\tmore", f"  {c[0]} indented note"]))
            if rng.random() < 0.15:
                lines.append(rng.choice(["", f"{c[0]} comment", f"{c[-1]} note", "   "]))
    if error:
        bad = ["just some text", "[unterminated", "[]", " = orphan", "[ ]"]
        other = next((x for x in ";#" if x not in c), None)
        if other:
            bad.append(f"{other} not a comment in this dialect")
        if ":" not in seps:
            bad.append("colon: is not a separator here")
        if features >= 2:
            bad += ['quote = "never closed', 'q = "a" b']
        lines.insert(rng.randint(0, len(lines)), rng.choice(bad))
    eol = "\r\n" if rng.random() < 0.15 else "\n"
    return eol.join(lines) + (eol if rng.random() < 0.8 else ""), secs


class CliIniTool(kit.KitFamily):
    title = "Implement an INI-to-JSON command-line converter from a specification"
    levels = kit.Levels(features=(0, 1, 2), hidden_files=(12, 14, 16), examples=(2, 3, 4),
                        agent_timeout=(900, 1200, 1500), expert_minutes=(20, 35, 50))

    def source(self, dialect: dict, flip: str | None = None) -> str:
        chosen = {k: (kn.wrong if k == flip else kn.right) for k, kn in KNOBS.items()}
        return kit.render(self.data("tool.py"), {**dialect, **chosen}, where=f"{self.folder}/data/tool.py")

    def spec(self, rng: random.Random, d: dict, features: int) -> str:
        c = d["comments"]
        cnames = " or ".join(f"`{x}`" for x in c)
        words = BOOL_SETS[d["bools_name"]]
        values = {
            "cnames": cnames, "only": "" if len(c) == 2 else " No other character starts a comment.",
            "seps_text": "`=` or `:` (whichever comes first)" if ":" in d["seps"]
            else "`=` (a `:` is an ordinary character)",
            "case_text": ("Keys are case-insensitive and are output in lowercase; section names keep their case."
                          if features >= 1 else "Keys and section names are case-sensitive."),
            "default": d["default"], "empty": "`null`" if d["empty_null"] == "True" else 'the empty string `""`',
            "trues": ", ".join(f"`{w}`" for w, v in words.items() if v),
            "falses": ", ".join(f"`{w}`" for w, v in words.items() if not v),
            "raw_note": (f" With `{d['fraw']}` every value is a string (an empty value is `\"\"`)."
                         if features >= 1 else ""),
            "fsec": d["fsec"], "fflat": d["fflat"], "nosec": d["nosec"], "flatsep": d["flatsep"],
            "quote_errors": " (including an unterminated quoted value or text after a closing quote)"
            if features >= 2 else "",
            "err": d["err"], "read": d["read"],
        }

        def part(name: str) -> str:
            return kit.render(kit.choose(rng, self.data(f"spec/{name}.txt")), values,
                              where=f"{self.folder}/data/spec/{name}.txt", allow_unused=True)

        usage = (f"{d['tool']} FILE" if features == 0
                 else f"{d['tool']} [{d['fsec']} NAME] [{d['fflat']}] [{d['fraw']}] FILE")
        bullets = [part("lines")] + ([part("continuation")] if features >= 2 else [])
        bullets += [part("comments"), part("sections"), part("keys"), part("default"),
                    part("values.hard" if features >= 2 else "values.easy"), part("types"), part("output")]
        text = [f"**Usage:** `{usage}`" + (" (`FILE` may be `-` for standard input)" if features >= 2 else "")]
        text += [f"- {b}" for b in bullets]
        if features >= 1:
            text.append(part("flags"))
        text.append(f"- {part('errors')}")
        return "\n".join(text)

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        features = k.features
        tool = rng.choice(TOOLS)
        tool_path = rng.choice([f"/app/bin/{tool}", f"/usr/local/bin/{tool}", f"/opt/tools/{tool}"])
        codes = rng.choice([(2, 3, 1), (65, 66, 74), (4, 5, 1), (2, 4, 3)])
        bools_name = rng.choice(sorted(BOOL_SETS))
        d = {"tool": tool, "default": rng.choice(["global", "default", "_root", "top"]),
             "features": features, "comments": rng.choice([";#", "#", ";"]), "seps": rng.choice(["=:", "=:", "="]),
             "bools": repr(BOOL_SETS[bools_name]), "empty_null": "True" if rng.random() < 0.6 else "False",
             "err": codes[0], "nosec": codes[1], "read": codes[2],
             "fsec": rng.choice(["--section", "--only"]), "fflat": rng.choice(["--flat", "--dotted"]),
             "fraw": rng.choice(["--no-types", "--raw", "--strings"]), "flatsep": rng.choice([".", "/", "::"])}
        ref = load(self.source(d))
        c, sep = d["comments"], (":" if ":" in d["seps"] else "=")

        # Hidden files (some invalid) and invocations; the first files hold the cases each known mistake trips on:
        # keys before any section (configparser refuses them), a ':' before a '=', every boolean word, a repeated
        # key, keys differing in case, an empty value; at the hard level inline comments and a continuation.
        musts = [f"a{sep} b=c\nx = yes\n[s]\nOff_key = off\nN = no\n{c[0]} note\n",
                 "[A]\nKey = 1\nkey = 2\nk =\nn = 4\nn = 5\n"]
        if features >= 2:
            musts.append(f'[s]\nv = 1 {c[0]} note\nw = "a;b" {c[-1]} c\nlong = first\n  second\n')
        hidden: dict[str, str] = {}
        invocations: list[dict] = []
        for i in range(k.hidden_files):
            if i < len(musts):
                text, secs = musts[i], ["s", "A"]
            else:
                text, secs = make_ini(rng, features, c, d["seps"], error=i < len(musts) + 2 or rng.random() < 0.2)
            name = f"case{i:02d}.ini"
            hidden[name] = text
            invocations.append({"args": [name]})
            if features >= 1:
                sec = rng.choice(secs)
                invocations += [{"args": [d["fflat"], name]}, {"args": [d["fsec"], sec, name]},
                                {"args": [d["fraw"], name]}]
                if rng.random() < 0.4:
                    invocations.append({"args": [d["fsec"], sec, d["fflat"], name]})
                if rng.random() < 0.3:
                    invocations.append({"args": [d["fsec"], "no_such_section", name]})
            if features >= 2 and rng.random() < 0.4:
                invocations.append({"args": ["-"], "stdin": name})
        invocations.append({"args": ["missing-file.ini"]})
        want = [outcome(ref, inv, hidden) for inv in invocations]
        wrong = {"true-false-only": "bool_words", "first-duplicate-wins": "store"}
        if ":" in d["seps"]:
            wrong["equals-first"] = "split_at"
        if features >= 1:
            wrong["case-sensitive-keys"] = "key_case"
        if features >= 2:
            wrong["no-inline-comments"] = "inline"
        for label, knob in wrong.items():  # each mistake must really go wrong on this instance
            bad = load(self.source(d, knob))
            if all(outcome(bad, inv, hidden) == w for inv, w in zip(invocations, want)):
                raise ValueError(f"{self.name}: the hidden cases do not catch the known mistake {label}")

        def parsed_file(count: int, names: list[str]) -> dict[str, str]:
            """Files of the dialect that convert without error (the examples and the job's configs)."""
            out = {}
            for name in names[:count]:
                for _attempt in range(100):
                    text, _ = make_ini(rng, features, c, d["seps"], error=False)
                    if ref["run"]([name], "", {name: text}.__getitem__)[0] == 0:
                        break  # a continuation after a quoted value can make a file invalid: draw again
                else:
                    raise ValueError(f"{self.name}: no valid sample file in 100 draws")
                out[name] = text
            return out

        files: dict[str, str | bytes] = {}
        examples = parsed_file(k.examples, [f"example{i + 1}.ini" for i in range(k.examples)])
        for name, text in examples.items():
            files[f"environment/app/examples/{name}"] = text
            files[f"environment/app/examples/{name[:-4]}.json"] = ref["run"]([name], "", examples.__getitem__)[1]
        cfg_names = rng.sample(CONFIGS, 2)
        for name, text in parsed_file(2, [f"{n}.ini" for n in cfg_names]).items():
            files[f"environment/app/configs/{name}"] = text
        spec = self.spec(rng, {**d, "bools_name": bools_name}, features)
        legacy = f"{tool}_v1.py"
        program = self.template("configparser_convert.py", default=d["default"], err=d["err"], read=d["read"])
        files["environment/app/README.md"] = self.template("README.md", tool=tool)
        files["environment/app/docs/ini-dialect.md"] = self.template("dialect.md", tool=tool, tool_path=tool_path,
                                                                     spec=spec)
        files["environment/app/pipeline/export-configs.sh"] = self.template("export-configs.sh", tool_path=tool_path)
        files[f"environment/app/legacy/{legacy}"] = program
        day = rng.randint(2, 27)
        files["environment/app/logs/export.log"] = self.template(
            "export.log", day=f"2026-03-{day:02d}", prev_day=f"2026-03-{day - 1:02d}", tool_path=tool_path,
            cfg1=cfg_names[0], cfg2=cfg_names[1])

        first_section = next(iter(ref["convert"](examples["example1.ini"])))  # a section the flag checks can name
        checks = []
        if features >= 1:
            checks.append(self.template("checks.flags.sh", tool_path=tool_path, fsec=d["fsec"], fflat=d["fflat"],
                                        fraw=d["fraw"], section=first_section, nosec=d["nosec"]))
        if features >= 2:
            checks.append(self.template("checks.stdin.sh", tool_path=tool_path, err=d["err"]))
        solve = kit.render(self.data("solve.sh"), {
            "tool_path": tool_path, "legacy": legacy, "cfg1": cfg_names[0], "err": d["err"], "read": d["read"],
            "flag_checks": "".join(checks).rstrip("\n"), "source": self.data("tool.py")},
            where=f"{self.folder}/data/solve.sh")
        files |= kit.Solver(solve, KNOBS, where=f"{self.folder}/data/solve.sh").files(d, wrong)
        files["solution/wrong/configparser.sh"] = self.template("wrong_configparser.sh", tool_path=tool_path,
                                                                program=program)
        words = BOOL_SETS[bools_name]
        files |= self.alt_solutions(
            tool_path=tool_path, features=features, comments=c, seps=d["seps"],
            true_words=repr(sorted(w for w, v in words.items() if v)),
            false_words=repr(sorted(w for w, v in words.items() if not v)), empty_null=d["empty_null"],
            err=d["err"], nosec=d["nosec"], read=d["read"], fsec=d["fsec"], fflat=d["fflat"], fraw=d["fraw"],
            flatsep=d["flatsep"], default=d["default"])
        files |= self.verifier()
        files |= kit.expected_file({"tool": tool_path, "files": hidden, "err_code": d["err"],
                                    "cases": [{**inv, **w} for inv, w in zip(invocations, want)]})
        return kit.draft(
            instruction=self.instruction(intro=self.intro(rng, tool=tool), tool=tool, tool_path=tool_path,
                                         spec=spec),
            dockerfile_body="COPY app/ /app/\nWORKDIR /app\n",
            files=files, tags=["python", "cli", "parsing", "ini", "json"],
            artifacts=[tool_path], outputs=[tool_path],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=240, expert_minutes=k.expert_minutes,
        )

