"""A tmux terminal inside a sandbox, driven only through `Sandbox.exec`: the screen an agent sees and types into.

How a command's end is detected, without anything on the screen: the pane runs `bash -i` with an rcfile (never
shown) whose PROMPT_COMMAND writes `<prompt count> <$?> <exit request>` to a state file each time a prompt is
about to be drawn. `execute()` types the command and, in one exec, polls that file inside the container until
the count goes up (the shell is back at its prompt), waits for the prompt to be drawn, and captures the screen
from the line the command was typed on. On timeout it sends C-c (twice if needed) and says so.

The image needs bash. tmux may come from the image; else `ensure_tmux` copies in a self-contained tmux (Debian
bookworm's, with its libraries and dynamic loader, so it runs on any base image of the same architecture),
built once per engine from `debian:bookworm-slim` with apt and cached on the host.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from litecoder_terminal.sandbox import Sandbox

TERM_DIR = "/tmp/.lct-term"  # everything the terminal puts in the container; removed after the agent phase
BUNDLE_DIR = f"{TERM_DIR}/tmux"
BUNDLE_BASE = "debian:bookworm-slim"
HISTORY_LIMIT = 100_000

_BUNDLE_DOCKERFILE = f"""FROM {BUNDLE_BASE}
RUN apt-get update && apt-get install -y --no-install-recommends tmux && rm -rf /var/lib/apt/lists/*
RUN set -e; out=/opt/lct-tmux; mkdir -p "$out/lib"; bin=$(command -v tmux); cp -L "$bin" "$out/tmux"; \\
    ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\\// {{print $3}} $1 ~ /^\\// {{print $1}}' | \\
      while read -r lib; do cp -L "$lib" "$out/lib/"; done; \\
    cp -L "$(ldd "$bin" | awk '$1 ~ /^\\/.*ld-linux/ {{print $1}}')" "$out/ld.so"; \\
    "$bin" -V > "$out/VERSION"
"""

# Polls the prompt counter (one exec per command, no sentinel on the screen), then reports where the cursor
# is and the screen since line $LCT_FROM. Positional args: the tmux command (with its socket).
_WAIT = r"""
T=("$@"); S=$LCT_SESSION; F=$LCT_STATE/prompt
if [ -n "${LCT_PASTE:-}" ]; then
  "${T[@]}" load-buffer -b lct-cmd "$LCT_PASTE" \; paste-buffer -p -d -b lct-cmd -t "$S" \; send-keys -t "$S" Enter \
    || { echo "error paste"; exit 0; }
  rm -f "$LCT_PASTE"
fi
status=timeout; n=0; rc=-; ex=-; k=0; SECONDS=0
while :; do
  if [ -r "$F" ]; then read -r n rc ex < "$F" || true; fi
  case "$n" in ''|*[!0-9]*) n=0 ;; esac
  if [ "$n" -ge "$LCT_WANT" ]; then status=done; break; fi
  k=$((k+1))
  if [ $((k % 25)) -eq 0 ] && ! "${T[@]}" has-session -t "$S" 2>/dev/null; then status=dead; break; fi
  [ "$SECONDS" -ge "$LCT_TIMEOUT" ] && break
  if [ $k -lt 50 ]; then sleep 0.02 2>/dev/null || sleep 1; else sleep 0.1 2>/dev/null || sleep 1; fi
done
printf '%s %s %s %s\n' "$status" "$n" "${rc:--}" "${ex:--}"
[ "$status" = dead ] && exit 0
# the count is written just before the prompt is drawn, and tmux reads the pane's output on its own time:
# wait (briefly) until the prompt ('...$ ' or '...# ') is on the screen
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40; do
  [ "$status" = done ] || break
  set -- $("${T[@]}" display-message -p -t "$S" '#{cursor_y} #{cursor_x}') || break
  if [ "${2:-0}" -gt 0 ]; then
    line=$("${T[@]}" capture-pane -p -t "$S" -S "${1:-0}" -E "${1:-0}") || break
    case "$line" in *'$'|*'#') break ;; esac
  fi
  sleep 0.05 2>/dev/null || sleep 1
done
set -- $("${T[@]}" display-message -p -t "$S" '#{history_size} #{cursor_y}')
hs=${1:-0}; cy=${2:-0}
echo "$hs $cy"
from=$((LCT_FROM - hs))
[ "$from" -lt "-$hs" ] && from=-$hs
[ "$from" -gt "$cy" ] && from=$cy
"${T[@]}" capture-pane -p -J -t "$S" -S "$from" -E "$cy"
"""


class TmuxError(RuntimeError):
    """The terminal could not be started or stopped answering."""


@dataclass
class CommandResult:
    screen: str  # the screen from the line the command was typed on to the prompt after it (bounded)
    timed_out: bool
    exit_code: int | None  # $? at the next prompt (None when it never came back)
    exit_requested: int | None  # the command ran `exit N` in the shell itself (the shell stays open)
    seconds: float
    interrupted: bool = False  # C-c was sent after the timeout
    shell_gone: bool = False  # the shell (and so the session) ended


def _bound(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    half = max(max_chars // 2, 1)
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters omitted ...]\n{text[-half:]}"


def _tmux_literal(chunk: str) -> str:
    # tmux ends a command at an argument ending in ';' (and turns a final '\;' into ';'): escape it
    return chunk[:-1] + "\\;" if chunk.endswith(";") else chunk


class TmuxSession:
    """An interactive bash in a tmux session in the sandbox (every call is a `Sandbox.exec`)."""

    def __init__(self, box: Sandbox, *, tmux: list[str] | None = None, name: str = "lct", user: str | None = None,
                 workdir: str | None = None, env: dict[str, str] | None = None, shell_options: list[str] = (),
                 exec_timeout_sec: float = 120.0):
        self.box = box
        self.name = name
        self.user = user
        self.workdir = workdir
        self.env = dict(env or {})
        self.shell_options = list(shell_options)
        self.state = f"{TERM_DIR}/s-{name}"
        self.tmux_cmd = list(tmux or ["tmux"])
        self.tmux = [*self.tmux_cmd, "-u", "-f", "/dev/null", "-S", f"{self.state}/tmux.sock"]
        self.exec_timeout_sec = exec_timeout_sec
        self.prompts = 0  # prompts seen so far
        self.cursor_line = 0  # absolute line (history + screen) the cursor is on: where the next command goes
        self.paste = False  # bash >= 5.1: commands are pasted (bracketed) rather than typed key by key
        self.started = False
        self.version = ""

    # ---- plumbing -------------------------------------------------------------------------------------
    def _exec(self, cmd: list[str], *, timeout: float | None = None, env: dict[str, str] | None = None,
              user: str | None | type = ...):
        return self.box.exec(cmd, timeout_sec=timeout or self.exec_timeout_sec, workdir=self.workdir,
                             user=self.user if user is ... else user, env={"TERM": "xterm-256color", **(env or {})})

    def _tmux(self, *args: str, timeout: float | None = None):
        return self._exec([*self.tmux, *args], timeout=timeout)

    def _rcfile(self) -> str:
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.env.items()
                          if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k))
        options = "".join(f"{o}\n" for o in self.shell_options)
        return f"""# lct terminal: an interactive shell whose prompts are counted (never shown)
unset HISTFILE
export PAGER=cat GIT_PAGER=cat SYSTEMD_PAGER=cat GIT_MERGE_AUTOEDIT=no
{exports}PS1='\\u@\\h:\\w\\$ '
PS2='> '
set +H
bind 'set disable-completion on' 2>/dev/null
bind 'set input-meta on' 2>/dev/null; bind 'set output-meta on' 2>/dev/null
bind 'set convert-meta off' 2>/dev/null; bind 'set enable-bracketed-paste on' 2>/dev/null
exit() {{
  if [ "${{BASHPID:-$$}}" = "$$" ]; then __lct_exit=${{1:-$?}}; kill -INT $$; else builtin exit "$@"; fi
}}
__lct_n=0
PROMPT_COMMAND='__lct_rc=$?; __lct_n=$((__lct_n+1)); printf "%s %s %s\\n" "$__lct_n" "$__lct_rc" "${{__lct_exit:--}}" > {self.state}/prompt; unset __lct_exit'
{options}"""

    # ---- lifecycle ------------------------------------------------------------------------------------
    def start(self, width: int = 160, height: int = 48, timeout_sec: float = 60.0) -> None:
        self._exec(["sh", "-c", f"mkdir -p {TERM_DIR} && chmod 1777 {TERM_DIR}"], user="root", timeout=60)
        probe = self._exec(["sh", "-c", 'command -v bash >/dev/null 2>&1 || { echo "no bash"; exit 3; }; '
                                        'bash -c \'echo "bash ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"\'; '
                                        f'mkdir -p -m 700 {self.state} || exit 5; "$@" -V || exit 4', "sh",
                            *self.tmux_cmd], timeout=60)
        if probe.exit_code == 3:
            raise TmuxError("the image has no bash: the terminal needs bash")
        if probe.exit_code == 4:
            which = " ".join(self.tmux_cmd)
            raise TmuxError(f"tmux is not installed in the image ({which!r} cannot run: {probe.output.strip()[-300:]});"
                            f" install tmux in the Dockerfile or pass ensure_tmux(box) as tmux=")
        if probe.exit_code != 0:
            raise TmuxError(f"terminal set-up failed ({probe.exit_code}): {probe.output.strip()[-300:]}")
        m = re.search(r"bash (\d+)\.(\d+)", probe.output)
        self.paste = bool(m) and (int(m.group(1)), int(m.group(2))) >= (5, 1)
        self.version = probe.output.strip().splitlines()[-1] if probe.output.strip() else ""
        self.box.put_file(self._rcfile().encode(), f"{self.state}/bashrc", mode=0o644)
        res = self._tmux("start-server", ";", "set-option", "-g", "history-limit", str(HISTORY_LIMIT), ";",
                         "set-option", "-g", "status", "off", ";", "set-option", "-s", "escape-time", "0", ";",
                         "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                         "bash", "--noprofile", "--rcfile", f"{self.state}/bashrc", "-i", timeout=60)
        if res.exit_code != 0:
            raise TmuxError(f"tmux new-session failed ({res.exit_code}): {res.output.strip()[-500:]}")
        self.started = True
        first = self._wait(1, timeout_sec)
        if first.timed_out or first.shell_gone:
            raise TmuxError(f"the shell in tmux never showed a prompt: {first.screen[-500:]!r}")

    def close(self) -> None:
        if self.started:
            self._tmux("kill-server", timeout=60)
            self.started = False

    # ---- keys and screen ------------------------------------------------------------------------------
    def send_keys(self, text: str, enter: bool = True) -> None:
        """Type `text` literally (tmux send-keys -l), then Enter if asked."""
        chunks = [text[k:k + 1000] for k in range(0, len(text), 1000)]
        batch: list[str] = []
        size = 0
        for chunk in chunks:
            if batch and size + len(chunk.encode()) > 8000:
                self._send_literal(batch)
                batch, size = [], 0
            batch.append(_tmux_literal(chunk))
            size += len(chunk.encode())
        if batch or enter:
            self._send_literal(batch, enter)

    def _send_literal(self, args: list[str], enter: bool = False) -> None:
        cmd: list[str] = []
        if args:
            cmd += ["send-keys", "-t", self.name, "-l", "--", *args]
        if enter:
            cmd += ([";"] if cmd else []) + ["send-keys", "-t", self.name, "Enter"]
        res = self._tmux(*cmd)
        if res.exit_code != 0:
            raise TmuxError(f"tmux send-keys failed ({res.exit_code}): {res.output.strip()[-300:]}")

    def send_special(self, *keys: str) -> None:
        """Send tmux key names (C-c, C-d, Enter, Escape, Up...)."""
        res = self._tmux("send-keys", "-t", self.name, *keys)
        if res.exit_code != 0:
            raise TmuxError(f"tmux send-keys {keys} failed ({res.exit_code}): {res.output.strip()[-300:]}")

    def capture(self, max_chars: int = 10000, full: bool = False) -> str:
        """The visible screen (or the whole scrollback), trailing blank lines dropped, at most max_chars."""
        res = self._tmux("capture-pane", "-p", "-J", "-t", self.name, *(["-S", "-"] if full else []))
        if res.exit_code != 0:
            raise TmuxError(f"tmux capture-pane failed ({res.exit_code}): {res.output.strip()[-300:]}")
        return _bound(_tidy(res.output), max_chars)

    def resync(self) -> None:
        """After raw keystrokes (typed outside `execute`), re-read the shell's prompt count and the cursor line so
        the next command's end and output are found again (otherwise only commands typed by `execute` count)."""
        res = self.box.exec(["sh", "-c", f'cat {self.state}/prompt 2>/dev/null; echo; "$@" display-message -p -t '
                                         f"{self.name} '#{{history_size}} #{{cursor_y}}'", "sh", *self.tmux],
                            user=self.user, timeout_sec=60)
        lines = [ln.split() for ln in res.output.strip().splitlines() if ln.strip()]
        if res.exit_code != 0 or not lines:
            raise TmuxError(f"cannot read the terminal state: {res.output.strip()[-300:]}")
        if len(lines) >= 2 and lines[0] and lines[0][0].isdigit():
            self.prompts = max(self.prompts, int(lines[0][0]))
        pos = lines[-1]
        if len(pos) == 2 and all(p.isdigit() for p in pos):
            self.cursor_line = int(pos[0]) + int(pos[1])

    # ---- commands -------------------------------------------------------------------------------------
    def run_command(self, cmd: str, timeout_sec: float) -> tuple[str, bool]:
        """Type one complete shell command (it may span lines) and wait for the prompt: (screen, timed_out)."""
        res = self.execute(cmd, timeout_sec)
        return res.screen, res.timed_out

    def execute(self, cmd: str, timeout_sec: float, max_chars: int = 10000) -> CommandResult:
        """As run_command, with the exit status. On timeout C-c is sent (twice if need be)."""
        t0 = time.monotonic()
        text = cmd.rstrip("\n")
        want = self.prompts + 1
        if self.paste and ("\n" in text or len(text) > 2000 or text.endswith(";")):
            path = f"{self.state}/paste-{want}"
            self.box.put_file(text.encode(), path, mode=0o644)
            res = self._wait(want, timeout_sec, paste=path)
        else:
            self.send_keys(text, enter=True)
            res = self._wait(want, timeout_sec)
        if res.timed_out and not res.shell_gone:
            for _ in range(2):
                self.send_special("C-c")
                again = self._wait(want, 10.0)
                res.interrupted = True
                if not again.timed_out:
                    res.screen, res.shell_gone, res.exit_code = again.screen, again.shell_gone, again.exit_code
                    break
            else:
                res.screen = self.capture(max_chars)
        res.screen = _bound(res.screen, max_chars)
        res.seconds = round(time.monotonic() - t0, 3)
        return res

    def _wait(self, want: int, timeout_sec: float, paste: str | None = None) -> CommandResult:
        env = {"LCT_SESSION": self.name, "LCT_STATE": self.state, "LCT_WANT": str(want),
               "LCT_TIMEOUT": str(max(1, int(timeout_sec + 0.999))), "LCT_FROM": str(self.cursor_line),
               "LCT_PASTE": paste or ""}
        out = self._exec(["bash", "-c", _WAIT, "bash", *self.tmux], env=env, timeout=timeout_sec + 120)
        if out.timed_out or out.exit_code != 0:
            raise TmuxError(f"waiting on the terminal failed ({out.exit_code}): {out.output.strip()[-300:]}")
        lines = out.output.split("\n")
        head = lines[0].split()
        if not head or head[0] == "error":
            raise TmuxError(f"could not type into the terminal: {out.output.strip()[-300:]}")
        status, n, rc, ex = (head + ["0", "-", "-"])[:4]
        if status == "dead":
            return CommandResult("", False, None, None, 0.0, shell_gone=True)
        self.prompts = max(self.prompts, int(n))
        pos = lines[1].split() if len(lines) > 1 else []
        if len(pos) == 2 and all(p.isdigit() for p in pos):
            self.cursor_line = int(pos[0]) + int(pos[1])
        screen = _tidy("\n".join(lines[2:]))
        done = status == "done"
        return CommandResult(screen, not done, int(rc) if done and rc.lstrip("-").isdigit() else None,
                             int(ex) if done and ex.lstrip("-").isdigit() else None, 0.0)


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n"))


# ---------------------------------------------------------------------------------------------------------
# a tmux for images without one
# ---------------------------------------------------------------------------------------------------------

_bundle_lock = threading.Lock()


def cache_root() -> Path:
    return Path(os.environ.get("LCT_CACHE_DIR") or Path.home() / ".cache" / "litecoder-terminal")


def tmux_bundle(engine, *, timeout_sec: float = 900.0) -> Path:
    """A host directory with a self-contained tmux (binary, libraries, loader), built once per engine."""
    with _bundle_lock, tempfile.TemporaryDirectory(prefix="lct-tmux-") as tmp:
        (Path(tmp) / "Dockerfile").write_text(_BUNDLE_DOCKERFILE)
        tag = engine.build(Path(tmp), timeout_sec=timeout_sec).tag
        dest = cache_root() / "tmux-bundle" / tag.split(":")[-1]
        if (dest / "VERSION").is_file():
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=dest.parent))
        box = engine.start(tag, network=False, setup="true")  # (an empty setup ends on a failed test: exit 1)
        try:
            if not box.get_dir("/opt/lct-tmux", staging) or not (staging / "VERSION").is_file():
                raise TmuxError("the tmux bundle image has no /opt/lct-tmux")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            box.close()
        try:
            os.replace(staging, dest)
        except OSError:  # another process got there first
            shutil.rmtree(staging, ignore_errors=True)
        return dest


def ensure_tmux(box: Sandbox, user: str | None = None) -> list[str]:
    """The command that runs tmux in the container: the image's own, else a bundle copied in."""
    res = box.exec(["sh", "-c", "command -v tmux"], user=user, timeout_sec=60)
    path = res.output.strip().splitlines()[-1] if res.exit_code == 0 and res.output.strip() else ""
    if path.startswith("/"):
        return [path]
    bundle = tmux_bundle(box.engine)
    box.put_dir(bundle, BUNDLE_DIR)
    fix = box.exec(["sh", "-c", f"chmod -R a+rX {TERM_DIR} && chmod 755 {BUNDLE_DIR}/ld.so {BUNDLE_DIR}/tmux"],
                   user="root", timeout_sec=60)
    if fix.exit_code != 0:
        raise TmuxError(f"could not install the tmux bundle: {fix.output.strip()[-300:]}")
    return [f"{BUNDLE_DIR}/ld.so", "--library-path", f"{BUNDLE_DIR}/lib", f"{BUNDLE_DIR}/tmux"]


__all__ = ["BUNDLE_DIR", "CommandResult", "TERM_DIR", "TmuxError", "TmuxSession", "ensure_tmux", "tmux_bundle"]
