"""solve.sh -> the commands a person would type at a prompt (no Docker): grouping, rationales, replay plan."""

import shutil
import subprocess
import textwrap

import pytest

from litecoder_terminal.agents.atif import TerminalStep, build_trajectory
from litecoder_terminal.agents.replay import describe, parse_script, plan_replay


def texts(script: str) -> list[str]:
    return [c.text for c in parse_script(textwrap.dedent(script))]


def test_simple_lines_one_command_each_and_shebang_dropped():
    assert texts("""\
        #!/bin/bash
        cd /app
        x=1; echo "$x"
        ls -la
    """) == ["cd /app", 'x=1; echo "$x"', "ls -la"]


def test_line_continuations_and_trailing_operators_join_lines():
    assert texts("""\
        gcc -O2 \\
          -o app main.c
        make &&
          make install
        grep x f |
          sort ||
          true
        echo done
    """) == ["gcc -O2 \\\n  -o app main.c", "make &&\n  make install", "grep x f |\n  sort ||\n  true", "echo done"]


def test_heredoc_quoted_delimiter_keeps_comments_and_fake_terminators_inside():
    cmds = parse_script(textwrap.dedent("""\
        # write the helper
        cat > /tmp/h.py <<'EOF'
        # this is python, not a rationale
        x = "$HOME"  # not expanded
          EOF
        EOFX
        print(')')
        EOF
        # run it
        python3 /tmp/h.py
    """))
    assert [c.rationale for c in cmds] == ["write the helper", "run it"]
    assert cmds[0].text.endswith("print(')')\nEOF") and "# this is python" in cmds[0].text
    assert cmds[1].text == "python3 /tmp/h.py" and cmds[1].line == 10


@pytest.mark.parametrize("opener", ['<<"END"', "<<\\END", "<< END", "<<E'N'D", "<<END"])
def test_heredoc_delimiter_spellings(opener):
    assert texts(f"""\
        cat {opener} > out
        $(not a command substitution to the parser
        END
        echo next
    """) == [f"cat {opener} > out\n$(not a command substitution to the parser\nEND", "echo next"]


def test_heredoc_dash_strips_tabs_two_heredocs_one_line_and_heredoc_in_pipeline():
    script = "cat <<-EOF\n\tindented\n\tEOF\ncat <<A <<'B' | sort\na\nA\nb\nB\necho after\n"
    assert [c.text for c in parse_script(script)] == [
        "cat <<-EOF\n\tindented\n\tEOF", "cat <<A <<'B' | sort\na\nA\nb\nB", "echo after"]


def test_here_string_is_not_a_heredoc_and_unterminated_heredoc_gets_its_delimiter():
    assert texts("""\
        read -r a b <<< "1 2"
        echo "$a"
    """) == ['read -r a b <<< "1 2"', 'echo "$a"']
    cmds = parse_script("cat > f <<EOF\nno end")
    assert cmds[0].text == "cat > f <<EOF\nno end\nEOF"


def test_nested_compound_commands():
    script = """\
        for f in *.log; do
          if [ -s "$f" ]; then
            while read -r line; do
              case "$line" in
                ERROR*|FATAL*) echo "$line" ;;
                (WARN*)
                  n=$((n + 1))
                  ;;
                *) : ;;
              esac
            done < "$f"
          elif [ -e "$f" ]; then echo empty; else
            echo missing
          fi
        done
        echo total
    """
    cmds = texts(script)
    assert len(cmds) == 2 and cmds[0].startswith("for f in") and cmds[0].endswith("done") and cmds[1] == "echo total"


def test_groups_subshells_and_redirected_groups():
    assert texts("""\
        { echo a; echo b; } > both.txt
        {
          echo "status,count"
          sort counts
        } > errors.csv
        (
          cd /tmp && make
        )
        ( cd sub; ls ) | wc -l
        echo }
    """) == ["{ echo a; echo b; } > both.txt", '{\n  echo "status,count"\n  sort counts\n} > errors.csv',
             "(\n  cd /tmp && make\n)", "( cd sub; ls ) | wc -l", "echo }"]


def test_functions_in_all_spellings():
    assert texts("""\
        greet() {
          echo "hi $1"
        }
        function bye {
          echo bye
        }
        function both() { echo both; }
        later ()
        {
          local x=1
          return 0
        }
        greet you
    """) == ['greet() {\n  echo "hi $1"\n}', "function bye {\n  echo bye\n}", "function both() { echo both; }",
             "later ()\n{\n  local x=1\n  return 0\n}", "greet you"]


def test_case_with_esac_looking_words_and_case_in_command_substitution():
    assert texts("""\
        case "$1" in
          start|esac-ish) echo s ;;
          stop) echo "esac" ;;
        esac
        kind=$(case "$x" in
          a) echo A ;;
          *) echo other ;;
        esac)
        echo "$kind"
    """) == ['case "$1" in\n  start|esac-ish) echo s ;;\n  stop) echo "esac" ;;\nesac',
             'kind=$(case "$x" in\n  a) echo A ;;\n  *) echo other ;;\nesac)', 'echo "$kind"']


def test_multiline_quotes_substitutions_arrays_and_arithmetic():
    assert texts("""\
        python3 -c '
        import sys
        print("# not a comment")
        '
        msg="line one
        line two"
        files=(
          a.txt  # first
          "b c.txt"
        )
        out=$(ls |
          wc -l)
        for ((i = 0; i < 3; i++)); do echo "$i"; done
        (( total = 2 * (3 + 4) ))
        [[ $x =~ ^(a|b)$ ]] && echo match
        echo ${#files[@]} a#b '#' "#"  # trailing comment
    """) == ["python3 -c '\nimport sys\nprint(\"# not a comment\")\n'", 'msg="line one\nline two"',
             'files=(\n  a.txt  # first\n  "b c.txt"\n)', "out=$(ls |\n  wc -l)",
             'for ((i = 0; i < 3; i++)); do echo "$i"; done', "(( total = 2 * (3 + 4) ))",
             "[[ $x =~ ^(a|b)$ ]] && echo match", "echo ${#files[@]} a#b '#' \"#\"  # trailing comment"]


def test_rationale_from_comments_else_generated():
    cmds = parse_script(textwrap.dedent("""\
        #!/bin/bash
        # Step 1: count
        #   the errors
        # -----------
        grep -c ERROR log
        ls

        # Build the report
        cat > r.txt <<'EOF'
        body
        EOF
        cat > s.txt <<'EOF'
        body
        EOF
    """))
    assert [c.rationale for c in cmds] == ["Step 1: count\nthe errors", "Run: ls", "Build the report",
                                           "Write s.txt with a here-document."]
    assert [bool(c.comment) for c in cmds] == [True, False, True, False]
    assert [c.line for c in cmds] == [5, 6, 9, 12]


def test_describe():
    assert describe("cd /srv/app") == "Change into /srv/app."
    assert describe("{\n  echo a\n  echo b\n} >> log") == "Append to log from a group of commands (starting with: echo a)."
    assert describe("x" * 200).endswith("...") and len(describe("x" * 200)) < 110


def test_unclosed_trailing_command_is_marked_incomplete():
    cmds = parse_script("echo ok\nif true; then\n  echo never closed\n")
    assert [c.complete for c in cmds] == [True, False]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed on this host")
def test_every_command_is_complete_shell_and_no_line_prefix_is():
    """Cross-check against bash itself: each command parses, and cutting it earlier would not."""
    scripts = [
        open(__file__.replace("test_replay_parse.py", "../../examples/tasks/log-error-summary/solution/solve.sh")).read(),
        textwrap.dedent("""\
            f() {
              case "$1" in
                a) cat <<EOF
            in a $(echo x)
            EOF
                ;;
              esac
            }
            for x in 1 2; do
              { echo "$x"; } |
                while read -r y; do echo "$y"; done
            done
            arr=( 1 2
              3 )
            echo "${arr[*]}" \\
              done
        """),
    ]
    for script in scripts:
        for cmd in parse_script(script):
            ok = subprocess.run(["bash", "-n", "-c", cmd.text], capture_output=True, text=True)
            assert ok.returncode == 0 and not ok.stderr, (cmd.text, ok.stderr)
            lines = cmd.text.split("\n")
            for k in range(1, len(lines)):
                if lines[k - 1].endswith("\\"):
                    continue  # `bash -c` forgives a final backslash; an interactive prompt waits for more
                cut = subprocess.run(["bash", "-n", "-c", "\n".join(lines[:k])], capture_output=True, text=True)
                assert cut.returncode != 0 or cut.stderr, f"{cmd.text!r} could end after line {k}"


def test_plan_applies_header_options_and_emulates_errexit():
    plan = plan_replay(textwrap.dedent("""\
        #!/bin/bash
        # Fix the build, then test it.
        set -euo pipefail
        cd /app
        set +e
        make || true
        set -e
        set -x
        ! grep -q bad log
        make test && echo ok
        make install
        exit 0
        echo never
    """))
    assert plan.shell_options == ["set -u -o pipefail"]
    typed = plan.typed
    assert [s.command.text for s in typed] == ["cd /app", "make || true", "set -x", "! grep -q bad log",
                                               "make test && echo ok", "make install"]
    assert typed[0].command.rationale == "Fix the build, then test it."
    assert [s.errexit for s in typed] == [True, False, True, False, False, True]
    assert plan.steps[-1].exit_code == 0 and plan.steps[-1].command.text == "exit 0"


def test_plan_without_set_e_never_stops_and_keeps_odd_set_lines():
    plan = plan_replay("echo a\nset -o errexit -o nounset\nset -- x y\nfalse\n")
    assert plan.shell_options == []
    assert [s.command.text for s in plan.typed] == ["echo a", "set -o nounset", "set -- x y", "false"]
    assert [s.errexit for s in plan.typed] == [False, True, True, True]


def test_trajectory_document_shape():
    doc = build_trajectory(session_id="s", agent_name="replay", instruction="Do it.", initial_screen="$",
                           steps=[TerminalStep("Why.", "ls\n", "$ ls\na\n$", exit_code=0),
                                  TerminalStep("Slow.", "sleep 9\n", "$ sleep 9\n^C\n$", timed_out=True,
                                               interrupted=True)])
    assert doc["schema_version"].startswith("ATIF-v1.")
    assert [s["step_id"] for s in doc["steps"]] == [1, 2, 3]
    assert doc["steps"][0]["source"] == "user" and doc["steps"][1]["source"] == "agent"
    first = doc["steps"][1]
    assert first["tool_calls"][0]["arguments"] == {"keystrokes": "ls\n", "duration": 0.0}
    assert first["observation"]["results"][0]["source_call_id"] == first["tool_calls"][0]["tool_call_id"]
    second = doc["steps"][2]
    assert [c["arguments"]["keystrokes"] for c in second["tool_calls"]] == ["sleep 9\n", "C-c"]
    assert "source_call_id" not in second["observation"]["results"][0]
    assert all("metrics" not in s and "reasoning_content" not in s for s in doc["steps"])
