# main lost its newest commits to a reset --hard: the newest lost one is a descendant of the current main.
git log --no-walk --format='%ct %H %s' $(cat /tmp/unreachable.txt) | grep -F ' @@lost_tip@@' > /tmp/lost.txt
lost=$(sort -n /tmp/lost.txt | tail -n 1 | cut -d' ' -f2)
git merge-base --is-ancestor main "$lost"
git log --oneline main.."$lost"
@@ff@@
