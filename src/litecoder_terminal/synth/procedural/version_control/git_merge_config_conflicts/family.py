"""Merge a feature branch into main and resolve the config conflicts key by key under stated rules (INI per
setting against the merge base; requirements pins at hard), with a real two-parent merge commit."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, people

KNOBS = {
    "merge_opts": kit.Knob("--no-ff", "--squash", "right file contents, but a squash commit (one parent) instead "
                                                  "of a merge commit"),
    "xopt": kit.Knob("", "-X theirs", "lets the feature branch win every conflicting hunk"),
    "base_aware": kit.Knob("True", "False", "two-way resolution (ignores the merge base): one-sided changes of the "
                                            "losing side are lost"),
    "timeout_max": kit.Knob("True", "False", "both-changed timeouts go to the winning branch instead of the larger"),
    "list_union": kit.Knob("True", "False", "both-changed lists go to the winning branch instead of the union"),
}


class _Resample(Exception):
    """This draw does not separate a known mistake from the reference; build draws again."""


SERVICES = ["billing-gateway", "order-router", "inventory-sync", "notify-hub", "report-scheduler", "auth-proxy"]
FEATURES = ["rate-limits", "multi-region", "audit-trail", "bulk-import", "sso-login", "retry-policy"]

# section -> [(key, kind)]; kind: timeout | list | int | str | bool
SECTIONS = {
    "server": [("host", "host"), ("port", "port"), ("workers", "int"), ("read_timeout", "timeout"),
               ("write_timeout", "timeout"), ("trusted_proxies", "list_ip"), ("log_level", "level"),
               ("keepalive_timeout", "timeout")],
    "database": [("host", "host"), ("port", "port"), ("pool_size", "int"), ("connect_timeout", "timeout"),
                 ("statement_timeout", "timeout"), ("replica_hosts", "list_host"), ("sslmode", "sslmode")],
    "cache": [("backend", "backend"), ("ttl_seconds", "int"), ("max_entries", "int"), ("connect_timeout", "timeout"),
              ("node_hosts", "list_host"), ("compress", "bool")],
    "auth": [("issuer", "url"), ("token_ttl", "int"), ("session_timeout", "timeout"), ("admin_emails", "list_email"),
             ("mfa_required", "bool"), ("realm", "word")],
    "queue": [("broker", "broker"), ("prefetch", "int"), ("ack_timeout", "timeout"), ("dead_letter", "word"),
              ("consumer_hosts", "list_host"), ("durable", "bool")],
    "http": [("cors_origins", "list_url"), ("request_timeout", "timeout"), ("max_body_kb", "int"),
             ("gzip", "bool"), ("upstream_timeout", "timeout")],
}
WORDS = ["alpha", "bravo", "delta", "ember", "falcon", "granite", "harbor", "iris", "juniper", "kestrel", "lumen",
         "meridian", "nimbus", "onyx", "pylon", "quartz", "raven", "sierra", "tundra", "vertex"]
NEW_KEYS = {"server": [("max_header_kb", "int"), ("drain_timeout", "timeout")],
            "database": [("application_name", "word"), ("idle_timeout", "timeout")],
            "cache": [("namespace", "word"), ("lock_timeout", "timeout")],
            "auth": [("clock_skew_s", "int"), ("login_timeout", "timeout")],
            "queue": [("max_retries", "int"), ("visibility_timeout", "timeout")],
            "http": [("max_connections", "int"), ("tls_timeout", "timeout")]}


def _value(rng: random.Random, kind: str) -> str:
    if kind == "host":
        return f"{rng.choice(WORDS)}-{rng.randint(1, 9)}.internal"
    if kind == "port":
        return str(rng.choice([5432, 6379, 8080, 8443, 9000, 5672, 3306, 7000]) + rng.randint(0, 9))
    if kind in ("int", "timeout"):
        return str(rng.choice([5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600, 900]) * (1 if kind == "timeout" else
                                                                                    rng.choice([1, 2, 4])))
    if kind == "level":
        return rng.choice(["DEBUG", "INFO", "WARNING", "ERROR"])
    if kind == "sslmode":
        return rng.choice(["disable", "prefer", "require", "verify-full"])
    if kind == "backend":
        return rng.choice(["redis", "memcached", "inmemory"])
    if kind == "bool":
        return rng.choice(["true", "false"])
    if kind == "url":
        return f"https://{rng.choice(WORDS)}.example.com/auth"
    if kind == "broker":
        return f"amqp://mq-{rng.randint(1, 9)}.internal:5672"
    if kind == "word":
        return f"{rng.choice(WORDS)}{rng.randint(1, 99)}"
    if kind.startswith("list_"):
        return ",".join(sorted(_items(rng, kind, rng.randint(2, 4))))
    raise ValueError(kind)


def _items(rng: random.Random, kind: str, n: int) -> list[str]:
    pool = {
        "list_ip": [f"10.{a}.{b}.{c}" for a, b, c in [(0, 0, 1), (0, 1, 5), (1, 2, 3), (2, 0, 9), (3, 4, 7),
                                                      (4, 4, 4), (5, 1, 2), (6, 3, 8), (7, 7, 1), (8, 2, 6)]],
        "list_host": [f"{w}-{i}.internal" for w in WORDS[:6] for i in (1, 2)],
        "list_email": [f"{w}@example.com" for w in ["ops", "sre", "security", "platform", "oncall", "admin",
                                                   "lead", "audit"]],
        "list_url": [f"https://{w}.example.com" for w in WORDS[6:16]],
    }[kind]
    return rng.sample(pool, min(n, len(pool)))


def _changed(rng: random.Random, kind: str, old: str) -> str:
    for _ in range(50):
        if kind.startswith("list_"):
            items = old.split(",")
            pool = [i for i in _items(rng, kind, 8) if i not in items]
            new = list(items)
            if len(new) > 1 and rng.random() < 0.3:
                new.remove(rng.choice(new))
            new += pool[:rng.randint(1, 2)]
            v = ",".join(new)
        elif kind == "timeout":
            v = str(int(old) + rng.choice([-1, 1]) * rng.choice([5, 10, 15, 30, 60]))
            if int(v) <= 0:
                continue
        else:
            v = _value(rng, kind)
        if v != old:
            return v
    return old + "0"


def _split_lists(rng: random.Random, a: str, b: str, base: str) -> tuple[str, str]:
    """a and b rewritten so that each holds an entry the other lacks (the union unchanged), both still differing
    from base and from each other."""
    union = sorted(set(a.split(",")) | set(b.split(",")))
    pairs = [(p, q) for p in union for q in union if p != q]
    rng.shuffle(pairs)
    for p, q in pairs:
        a2 = [x for x in a.split(",") if x != q] + ([p] if p not in a.split(",") else [])
        b2 = [x for x in b.split(",") if x != p] + ([q] if q not in b.split(",") else [])
        a2s, b2s = ",".join(a2), ",".join(b2)
        if a2s != base and b2s != base and a2s != b2s:
            return a2s, b2s
    raise ValueError(f"cannot make list values {a!r} and {b!r} conflict")  # unreachable with >= 3 entries


def _render_ini(sections: list[tuple[str, list[tuple[str, str]]]], header: str) -> str:
    out = [header, ""]
    for name, kvs in sections:
        out.append(f"[{name}]")
        out += [f"{k} = {v}" for k, v in kvs]
        out.append("")
    return "\n".join(out)


def _version_bump(rng: random.Random, v: str) -> str:
    parts = [int(x) for x in v.split(".")]
    i = rng.choice([1, 2])
    parts[i] += rng.randint(1, 3)
    if i == 1:
        parts[2] = rng.randint(0, 4)
    return ".".join(map(str, parts))


def _vkey(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


PACKAGES = ["alembic", "attrs", "boto3", "celery", "click", "cryptography", "fastapi", "httpx", "jinja2",
            "kombu", "marshmallow", "orjson", "psycopg2-binary", "pydantic", "pyjwt", "redis", "requests",
            "sqlalchemy", "structlog", "tenacity", "uvicorn"]


class GitMergeConfigConflicts(kit.KitFamily):
    title = "Merge a feature branch and resolve INI (and requirements) conflicts key by key"
    levels = kit.Levels(sections=(2, 4, 5), both=(1, 2, 3), extra_other=(0, 0, 1), single=(3, 6, 9),
                        requirements=(0, 0, 1), agent_timeout=(900, 1200, 1500), expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        for _ in range(50):
            try:
                return self._build(rng)
            except _Resample:
                continue
        raise RuntimeError("git_merge_config_conflicts: no instance separates every known mistake in 50 draws")

    def _rules(self, kinds, added, ini_path, winner, req) -> str:
        timeout_keys = sorted({k for (s, k), kind in kinds.items() if kind == "timeout"} |
                              {k for (s, k) in added if "timeout" in k})
        list_keys = sorted({k for (s, k), kind in kinds.items() if kind.startswith("list_")})
        return self.template("rules.md", ini_path=ini_path, winner=winner,
                             timeout_keys=", ".join(f"`{k}`" for k in timeout_keys),
                             list_keys=", ".join(f"`{k}`" for k in list_keys),
                             req_rule=self.data("req_rule.md") if req else "").rstrip("\n")

    def _build(self, rng: random.Random) -> kit.TaskDraft:
        k_ = self.knobs
        svc = rng.choice(SERVICES)
        feat = rng.choice(FEATURES)
        branch = rng.choice([f"feature/{feat}", f"feat/{feat}", f"topic/{feat}"])
        winner = rng.choice(["main", branch])
        loser = branch if winner == "main" else "main"
        repo = rng.choice([f"/app/{svc}", f"/srv/{svc}", f"/opt/src/{svc}"])
        ini_path = rng.choice([f"config/{svc}.ini", "conf/service.ini", "settings/app.ini"])
        devs = people(rng, 4)
        n_sections = k_.sections
        sec_names = rng.sample(sorted(SECTIONS), n_sections)
        base: dict[str, dict[str, str]] = {}
        kinds: dict[tuple[str, str], str] = {}
        for s in sec_names:
            keys = SECTIONS[s][:]
            base[s] = {}
            for k, kind in keys:
                base[s][k] = _value(rng, kind)
                kinds[(s, k)] = kind
        all_keys = [(s, k) for s in sec_names for k in base[s]]
        timeouts = [sk for sk in all_keys if kinds[sk] == "timeout"]
        lists = [sk for sk in all_keys if kinds[sk].startswith("list_")]
        others = [sk for sk in all_keys if sk not in timeouts and sk not in lists]
        # both-changed keys: at least one timeout and one list; more at higher difficulty
        n_both = k_.both
        both = rng.sample(timeouts, min(len(timeouts), n_both)) + rng.sample(lists, min(len(lists), n_both)) + \
            rng.sample(others, min(len(others), n_both - 1 + k_.extra_other))
        rest = [sk for sk in all_keys if sk not in both]
        rng.shuffle(rest)
        n_single = k_.single
        main_only = rest[:n_single // 2 + 1]
        feat_only = rest[n_single // 2 + 1:n_single + 1]
        # the loser must change at least one plain setting on its own (two-way "winner takes all" merges lose it)
        loser_only = main_only if loser == "main" else feat_only
        if not any(sk in others for sk in loser_only):
            cand = [sk for sk in rest[n_single + 1:] if sk in others]
            if cand:
                loser_only.append(cand[0])
        ours = {s: dict(v) for s, v in base.items()}
        theirs = {s: dict(v) for s, v in base.items()}
        for s, k in main_only:
            ours[s][k] = _changed(rng, kinds[(s, k)], base[s][k])
        for s, k in feat_only:
            theirs[s][k] = _changed(rng, kinds[(s, k)], base[s][k])
        for i, (s, k) in enumerate(both):
            kind = kinds[(s, k)]
            a = _changed(rng, kind, base[s][k])
            b = _changed(rng, kind, base[s][k])
            while b == a:
                b = _changed(rng, kind, b)
            if kind == "timeout" and i == 0:
                # the winning side holds the smaller timeout, so "winner takes all" is wrong here
                lo, hi = sorted([a, b], key=int)
                a, b = (lo, hi) if winner == "main" else (hi, lo)
            if kind.startswith("list_"):
                # make sure the union differs from both sides
                if set(a.split(",")) <= set(b.split(",")) or set(b.split(",")) <= set(a.split(",")):
                    extra = [x for x in _items(rng, kind, 10) if x not in a.split(",") + b.split(",")]
                    if len(extra) >= 2:
                        a = a + "," + extra[0]
                        b = b + "," + extra[1]
                    else:  # the two sides already hold (nearly) the whole pool: split two entries between them
                        a, b = _split_lists(rng, a, b, base[s][k])
            ours[s][k], theirs[s][k] = a, b
        # each side adds a brand-new key in a different section
        add_secs = rng.sample(sec_names, 2)
        added = {}
        for side, sec in zip(("main", "feature"), add_secs):
            k, kind = rng.choice(NEW_KEYS[sec])
            v = _value(rng, kind)
            (ours if side == "main" else theirs)[sec][k] = v
            added[(sec, k)] = v
        # expected key-wise merge; each known mistake must give another result on this instance
        expected = _resolve(sec_names, base, ours, theirs, kinds, winner)
        for flip in ({"base_aware": False}, {"timeout_max": False}, {"list_union": False}):
            if _resolve(sec_names, base, ours, theirs, kinds, winner, **flip) == expected:
                raise _Resample(f"{flip} gives the right INI on this instance")
        header = f"; {svc} runtime configuration\n; keys are read at start-up; restart the service after edits"

        def ini_text(d):
            return _render_ini([(s, list(d[s].items())) for s in sec_names], header)

        # ----- code file: both sides touch distant functions (clean auto-merge) -----
        funcs = []
        for i in range(8):
            name = f"{rng.choice(['load', 'build', 'check', 'render', 'parse', 'emit'])}_{rng.choice(WORDS)}_{i}"
            const = rng.randint(2, 50)
            funcs.append([f"def {name}(payload):", f'    """Step {i} of the request pipeline."""',
                          f"    limit = {const}", "    return payload[:limit]"])
        fi, fj = rng.randint(0, 2), rng.randint(5, 7)
        if rng.random() < 0.5:
            fi, fj = fj, fi
        code_base = "\n\n\n".join("\n".join(f) for f in funcs) + "\n"

        def code_with(changes):
            fs = [list(f) for f in funcs]
            for idx, val in changes:
                fs[idx][2] = f"    limit = {val}"
            return "\n\n\n".join("\n".join(f) for f in fs) + "\n"

        main_const, feat_const = rng.randint(51, 99), rng.randint(100, 200)
        code_path = rng.choice([f"src/{svc.replace('-', '_')}/pipeline.py", "app/pipeline.py", "lib/pipeline.py"])
        code_ours = code_with([(fi, main_const)])
        code_theirs = code_with([(fj, feat_const)])
        code_expected = code_with([(fi, main_const), (fj, feat_const)])
        doc_path = f"docs/{feat}.md"
        doc_text = f"# {feat.replace('-', ' ').title()}\n\nDesign notes for the {feat} work on {svc}.\n"
        readme_base = (f"# {svc}\n\nService configuration lives in `{ini_path}`.\n"
                       "Merges into `main` follow `docs/MERGING.md`.\n")
        readme_main = readme_base + "\nOn-call: see the runbook in the ops wiki.\n"

        # ----- requirements (hard) -----
        req = bool(k_.requirements)
        req_expected = None
        if req:
            pkgs = sorted(rng.sample(PACKAGES, 12))
            rbase = {p: f"{rng.randint(0, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}" for p in pkgs}
            rour, rthe = dict(rbase), dict(rbase)
            shuffled = pkgs[:]
            rng.shuffle(shuffled)
            rboth, rmain, rfeat = shuffled[:3], shuffled[3:5], shuffled[5:7]
            for p in rmain:
                rour[p] = _version_bump(rng, rbase[p])
            for p in rfeat:
                rthe[p] = _version_bump(rng, rbase[p])
            for p in rboth:
                a, b = _version_bump(rng, rbase[p]), _version_bump(rng, rbase[p])
                while a == b:
                    b = _version_bump(rng, b)
                rour[p], rthe[p] = a, b
            newp = [p for p in PACKAGES if p not in rbase]
            add_m, add_f = rng.sample(newp, 2)
            rour[add_m] = f"{rng.randint(1, 4)}.{rng.randint(0, 9)}.0"
            rthe[add_f] = f"{rng.randint(1, 4)}.{rng.randint(0, 9)}.0"
            req_expected = {}
            for p in sorted(set(rour) | set(rthe)):
                b0, o, t = rbase.get(p), rour.get(p), rthe.get(p)
                if o is None:
                    req_expected[p] = t
                elif t is None:
                    req_expected[p] = o
                elif o == t or t == b0:
                    req_expected[p] = o
                elif o == b0:
                    req_expected[p] = t
                else:
                    req_expected[p] = max(o, t, key=_vkey)

            def req_text(d):
                return "".join(f"{p}=={d[p]}\n" for p in sorted(d))

        # ----- history -----
        rules = self._rules(kinds, added, ini_path, winner, req)
        merging = self.template("MERGING.md", rules=rules)
        plan = RepoPlan(repo, "main", devs[0], 1_680_000_000 + rng.randrange(30_000_000),
                        config=[("user.name", "Integration Bot"), ("user.email", "integration@example.com")])
        base_files = {ini_path: ini_text(base), code_path: code_base, "README.md": readme_base, "docs/MERGING.md": merging}
        if req:
            base_files["requirements.txt"] = req_text(rbase)
        plan.commit(rng, f"Initial {svc} service layout", base_files, who=devs[0])
        plan.commit(rng, "ci: add lint job", {".ci/lint.sh": "#!/bin/sh\npython3 -m pyflakes src || true\n"},
                    who=devs[1])
        # noise: an abandoned prototype branch that also touched the config (not the branch to merge)
        spike = {s: dict(v) for s, v in base.items()}
        s0, k0 = rng.choice(all_keys)
        spike[s0][k0] = _changed(rng, kinds[(s0, k0)], base[s0][k0])
        plan.git(None, "checkout", "-q", "-b", f"spike/{feat}-prototype")
        plan.commit(rng, f"spike: {feat} prototype settings (do not merge)", {ini_path: ini_text(spike)},
                    who=devs[3])
        plan.git(None, "checkout", "-q", "main")
        plan.git(None, "checkout", "-q", "-b", branch)
        # feature side, in two or three commits
        plan.commit(rng, f"{feat}: add design notes", {doc_path: doc_text}, who=devs[2])
        mid = {s: dict(theirs[s]) for s in sec_names}
        feat_keys = sorted(set(feat_only) | set(both))
        for s, k in feat_keys[len(feat_keys) // 2:]:
            mid[s][k] = base[s][k]
        for (s, k) in added:
            if s == add_secs[1]:
                mid[s].pop(k, None)
        plan.commit(rng, f"{feat}: tune settings for the new flow", {ini_path: ini_text(mid)}, who=devs[2])
        feat_tip_date = plan.commit(rng, f"{feat}: pipeline limits and remaining config", {ini_path: ini_text(theirs),
                    code_path: code_theirs, **({"requirements.txt": req_text(rthe)} if req else {})}, who=devs[3])
        plan.git(None, "checkout", "-q", "main")
        plan.commit(rng, "ops: raise limits after load test", {ini_path: ini_text(ours), code_path: code_ours},
                    who=devs[1])
        main_last = "docs: on-call pointer in README"
        plan.commit(rng, main_last, {"README.md": readme_main,
                                     **({"requirements.txt": req_text(rour)} if req else {})}, who=devs[0])
        main_tip_date = plan.clock
        feat_tip = f"{feat}: pipeline limits and remaining config"

        # ----- instruction, solutions, verifier -----
        conflicted = [ini_path] + (["requirements.txt"] if req else [])
        timeouts_l = sorted({k for (s, k), kind in kinds.items() if kind == "timeout"} |
                            {k for (s, k) in added if "timeout" in k})
        lists_l = sorted({k for (s, k), kind in kinds.items() if kind.startswith("list_")})
        files: dict[str, str | bytes] = dict(plan.files())
        values = {"repo": repo, "branch": branch, "ini_path": ini_path, "winner_is_main": str(winner == "main"),
                  "timeouts": repr(timeouts_l), "lists": repr(lists_l)}
        files |= self.solver(KNOBS).files(values | {"conflicted": " ".join(conflicted)},
                                          {"squash-merge": "merge_opts", "merge-x-theirs": "xopt",
                                           "two-way-resolution": "base_aware", "timeouts-by-winner": "timeout_max",
                                           "lists-by-winner": "list_union"})
        files |= self.alt_solutions(**values, req=int(req))
        files |= self.verifier()
        clean = {code_path: code_expected, doc_path: doc_text, "README.md": readme_main, "docs/MERGING.md": merging,
                 ".ci/lint.sh": "#!/bin/sh\npython3 -m pyflakes src || true\n"}
        files |= kit.expected_file({
            "repo": repo, "branch": branch, "ini": ini_path, "expected_ini": expected, "clean": clean,
            "main_last": main_last, "main_tip_date": main_tip_date, "feat_tip": feat_tip,
            "feat_tip_date": feat_tip_date, "requirements": req_expected})
        instruction = self.instruction(intro=self.intro(rng, branch=branch, svc=svc), repo=repo, branch=branch,
                                       rules=rules)
        return kit.draft(
            instruction=instruction, dockerfile_body=plan.dockerfile(repo), files=files, artifacts=[repo],
            outputs=[repo], tags=["git", "merge", "conflicts", "ini"], agent_timeout_sec=k_.agent_timeout,
            verifier_timeout_sec=120, expert_minutes=k_.expert_minutes)



def _resolve(sec_names, base, ours, theirs, kinds, winner, *, base_aware=True, timeout_max=True, list_union=True):
    """The key-wise merge of the INI (the rules of the instruction), or a known mistake with one rule off."""
    out: dict[str, dict[str, str]] = {}
    for s in sec_names:
        out[s] = {}
        for k in list(base[s]) + [k for k in ours[s] if k not in base[s]] + \
                [k for k in theirs[s] if k not in base[s] and k not in ours[s]]:
            b0, o, t = base[s].get(k), ours[s].get(k), theirs[s].get(k)
            if o == t or (t == b0 if base_aware else t is None):
                v = o
            elif (o == b0 if base_aware else o is None):
                v = t
            else:
                kind = kinds.get((s, k), "")
                if kind == "timeout" and timeout_max:
                    v = str(max(int(o), int(t)))
                elif kind.startswith("list_") and list_union:
                    v = ",".join(sorted(set(o.split(",")) | set(t.split(","))))
                else:
                    v = o if winner == "main" else t
            if v is not None:
                out[s][k] = v
    return out
