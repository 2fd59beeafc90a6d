"""Walk the rewritten branch with git: same commits/authors/messages, scrubbed trees, no ref reaches the secret.
git reads the agent's repository unprivileged, with replace objects and grafts disabled (lct_verify.git): a
`git replace` object cannot stand in for a commit that still holds the secret. Expected trees are blob ids
computed when the task was made (tests/expected.json), the public fixture key included byte for byte."""

import lct_verify

EXP = lct_verify.expected()
REPO = "@@repo@@"
BRANCH = "@@branch@@"


def git(*args, check=True):
    r = lct_verify.git(REPO, *args)
    if check:
        assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r


def out(*args):
    return git(*args).stdout


def blobs(commit):
    """path -> blob id of every file of a commit."""
    found = {}
    for line in out("ls-tree", "-r", "-z", commit).split("\0"):
        if line:
            meta, path = line.split("\t", 1)
            found[path] = meta.split()[2]
    return found


def branch_commits():
    return out("rev-list", "--reverse", "main.." + BRANCH).split()


def test_main_untouched():
    assert out("log", "--reverse", "--format=%s", "main").splitlines() == EXP["main_subjects"]
    assert int(out("log", "-1", "--format=%ct", "main")) == EXP["main_tip_date"]
    assert blobs("main") == EXP["main_tree"], "main's files changed"


def test_same_commits_messages_authors():
    commits = branch_commits()
    assert len(commits) == len(EXP["commits"]), "the branch must keep the same number of commits"
    fork = out("rev-parse", commits[0] + "^").strip()
    assert out("log", "-1", "--format=%s", fork).strip() == EXP["fork_subject"]
    assert int(out("log", "-1", "--format=%ct", fork)) == EXP["fork_date"]
    for c, e in zip(commits, EXP["commits"]):
        subject, name, email, at = out("log", "-1", "--format=%s%n%an%n%ae%n%at", c).splitlines()
        assert subject == e["subject"]
        assert [name, email] == e["author"] and int(at) == e["date"], f"author changed on {subject!r}"
        assert len(out("rev-list", "--parents", "-n1", c).split()) == 2, "linear history expected"


def test_trees_scrubbed_and_otherwise_identical():
    for c, e in zip(branch_commits(), EXP["commits"]):
        found = blobs(c)
        assert sorted(found) == sorted(e["tree"]), f"file list differs in {e['subject']!r}"
        for p, oid in found.items():
            assert oid == e["tree"][p], f"{p} wrong in {e['subject']!r}"


def test_no_ref_reaches_the_secret():
    refs = out("for-each-ref", "--format=%(refname)").split()
    assert refs, "the repository has no refs"
    commits = out("rev-list", *refs).split()
    for secret in EXP["secrets"]:
        r = git("grep", "-l", "-F", secret, *commits, check=False)
        assert r.returncode == 1 and not r.stdout, f"secret still reachable: {r.stdout[:200]} {r.stderr[:200]}"
    if EXP["tag"]:
        tagged = out("rev-parse", EXP["tag"] + "^{commit}").strip()
        assert tagged == branch_commits()[EXP["tag_index"]], "the tag must follow the rewritten commit"


def test_branch_checked_out_and_clean():
    head = out("symbolic-ref", "HEAD").strip()
    assert head == "refs/heads/" + BRANCH, f"HEAD is {head}, the rewritten branch must be checked out"
    status = out("status", "--porcelain", "--untracked-files=all")
    assert status == "", f"the working tree differs from the rewritten tip:\n{status[:500]}"
