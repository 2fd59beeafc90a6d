# Check: the refs are back, main is checked out and clean.
git log --oneline --graph --all -n 30
git status --short --branch
git branch -v
