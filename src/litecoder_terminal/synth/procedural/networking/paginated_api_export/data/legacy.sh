# An older exporter sits in legacy/: which endpoint did it use, and does that endpoint still exist?
ls -la @@outdir@@/legacy @@outdir@@/archive
grep -n 'curl' @@outdir@@/legacy/export_v1.sh
curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH_H" "@@base@@/api/v1/@@res@@?page=1"
# The archived export is months old and partial: not a source.
jq length @@outdir@@/archive/*.json
