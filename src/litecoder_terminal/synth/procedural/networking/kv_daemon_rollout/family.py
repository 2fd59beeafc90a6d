"""Multi-stage: fix a prototype TCP key-value daemon to its protocol spec, add v2 commands, persistence, a control
script (and a port move); the verifier boots it with the control script and probes it with real clients."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit


def keep(*names: str) -> dict[str, str]:
    """Placeholders left for the solver's render (its knobs)."""
    return {n: f"@@{n}@@" for n in names}


class KvDaemonRollout(kit.KitFamily):
    title = "Bring a prototype TCP key-value daemon up to its protocol spec, add commands and a control script"
    multi_stage = True
    levels = kit.Levels(more=(0, 1, 1), port_move=(0, 0, 1), noise=(0, 0, 1),
                        agent_timeout=(1200, 1500, 1800), expert_minutes=(30, 45, 60))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        more, hard = bool(k.more), bool(k.port_move)
        name = rng.choice(["kvd", "tinykv", "cachelet", "memo"])
        default_port = rng.choice([6380, 6390, 7070, 9099])
        conf_port = rng.randrange(7100, 7900)
        new_port = rng.randrange(8100, 8900) if hard else conf_port
        ticket = f"{rng.choice(['NET', 'OPS', 'INFRA', 'PLAT'])}-{rng.randrange(1000, 9999)}"
        ctl = f"/usr/local/bin/{name}ctl"
        conf = f"/etc/{name}/{name}.conf"
        ticket_path = f"/opt/{name}/TICKET-{ticket}.md"
        datafile = f"/var/lib/{name}/{rng.choice(['data.json', 'store.json', 'snapshot.json'])}"
        names = {"svc": name, "default_port": default_port}

        protocol = self.template("PROTOCOL.v1.md", svc=name) + self.data("PROTOCOL.v2.md") + (
            self.data("PROTOCOL.more.md") if more else "")
        steps = self.template(
            "TICKET.md", ticket=ticket, svc=name, conf=conf, ctl=ctl,
            v2_extra=(f", including loading the data file named by `datafile` in `{conf}` at start-up" if more
                      else ""),
            port_step=self.template("ticket.hard.md", svc=name, new_port=new_port).rstrip() if hard else "")
        day = f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
        files: dict[str, str | bytes] = {
            f"environment/{name}/{name}.py": self.template("skeleton.py", **names),
            f"environment/{name}/PROTOCOL.md": protocol,
            f"environment/{name}/TICKET-{ticket}.md": steps,
            f"environment/{name}/{name}.conf": (f"# {name} configuration (key = value)\nbind = 127.0.0.1\n"
                                                f"port = {conf_port}\ndatafile = {datafile}\n"),
            "environment/clients.log": self.template("clients.log", date=day, n1=rng.randrange(100, 999),
                                                     n2=rng.randrange(100, 999), n3=rng.randrange(100, 999),
                                                     conf_port=conf_port, default_port=default_port),
        }
        if k.noise:  # an example configuration from the prototype's days (old port, other data file)
            files[f"environment/{name}/{name}.conf.example"] = (
                f"# example only\nbind = 0.0.0.0\nport = {default_port}\ndatafile = /tmp/{name}.json\n")

        knobs = {
            "v2": kit.Knob("True", "False", "fixes the v1 protocol and writes the control script but skips the v2 "
                                            "commands"),
            "install_ctl": kit.Knob(f"install -m 755 /tmp/{name}ctl {ctl}",
                                    f"nohup python3 /opt/{name}/{name}.py >/var/log/{name}.log 2>&1 </dev/null &",
                                    "fixes the daemon and starts it by hand; no control script"),
        }
        wrong = {"v1-only": "v2", "no-control-script": "install_ctl"}
        if more:
            knobs["load_on_start"] = kit.Knob("True", "False", "SAVE writes the data file but start-up never "
                                                               "loads it")
            wrong["save-not-loaded"] = "load_on_start"
        if hard:
            knobs["port_move"] = kit.Knob(f"sed -i 's/^port = .*/port = {new_port}/' {conf}",
                                          ": the port stays as configured",
                                          "everything except moving the daemon to the new port")
            wrong["port-not-moved"] = "port_move"
        else:
            knobs["fixed_port"] = kit.Knob("None", str(default_port),
                                           "keeps the prototype's hard-coded port instead of reading the "
                                           "configuration")
            wrong["hardcoded-port"] = "fixed_port"
        server = self.template("server.py", **names, more=str(more),
                               **keep(*[n for n in ("v2", "load_on_start", "fixed_port") if n in knobs]),
                               **({} if more else {"load_on_start": "True"}),
                               **({} if not hard else {"fixed_port": "None"}))
        solve = self.template(
            "solve.sh", svc=name, conf=conf, ctl=ctl, ticket_path=ticket_path, default_port=default_port,
            server=server.rstrip("\n"), ctl_src=self.template("ctl.sh", svc=name).rstrip("\n"),
            port_step=("# The ticket moves the daemon to a new port: the configuration says where it listens.\n"
                       "@@port_move@@") if hard else "",
            more_checks=self.template("more_checks.sh", ctl=ctl).rstrip() if more else "",
            **keep("install_ctl"))
        files |= kit.Solver(solve, knobs, where=f"{self.folder}/data/solve.sh").files({}, wrong)
        files |= self.alt_solutions(svc=name, conf=conf, ctl=ctl, more=str(more),
                                    port_step=(f"sed -i 's/^port = .*/port = {new_port}/' {conf}" if hard
                                               else ": the port stays as configured"))
        test = self.template("verify.py", svc=name, ctl=ctl, port=new_port, conf=conf, datafile=datafile,
                             more=str(more))
        test += self.data("verify_more.py") if more else ""
        test += self.data("verify_hard.py") if hard else ""
        files["tests/test_outputs.py"] = test
        files |= kit.expected_file({"seed": rng.randrange(10**6)})

        acceptance = self.template("acceptance.md", svc=name, ctl=ctl, conf=conf).rstrip()
        instruction = self.instruction(intro=self.intro(rng, ticket=ticket, svc=name), steps=steps.split("\n", 2)[2]
                                       .rstrip(), acceptance=acceptance, ticket_path=ticket_path, svc=name,
                                       conf=conf, ctl=ctl)
        dockerfile = (f"COPY {name}/ /opt/{name}/\n"
                      f"RUN mkdir -p /etc/{name} /var/lib/{name} && mv /opt/{name}/{name}.conf {conf}"
                      + (f" && mv /opt/{name}/{name}.conf.example /etc/{name}/" if k.noise else "") + "\n"
                      f"COPY clients.log /var/log/{name}-clients.log\n"
                      f"WORKDIR /opt/{name}\n")
        outputs = [f"/opt/{name}/{name}.py", ctl, conf]
        return kit.draft(
            instruction=instruction, dockerfile_body=dockerfile, files=files, artifacts=[f"/opt/{name}", ctl, conf],
            outputs=outputs, tags=["tcp", "sockets", "daemon", "protocol", "service-management"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=180, expert_minutes=k.expert_minutes)
