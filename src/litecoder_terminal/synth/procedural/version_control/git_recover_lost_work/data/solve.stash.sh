# A stash is a merge commit "On <branch>: <message>"; its first parent is the commit it was made on. The runbook
# says the abandoned one stays dropped, so pick the stash by its message.
git log --no-walk --format='%H %s' $(cat /tmp/unreachable.txt) | grep -F 'On main: WIP' > /tmp/stashes.txt
cat /tmp/stashes.txt
w=$(grep -F '@@stash_msg@@' /tmp/stashes.txt | cut -d' ' -f1)
git show --stat "$w"
base=$(git rev-parse "$w^1")
git checkout -q -b @@wip_branch@@ "$base"
git checkout "$w" -- .
git commit -q -m 'Rescue dropped stash: @@stash_msg_text@@'
git checkout -q main
