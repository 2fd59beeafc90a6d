# The documented endpoint without credentials: what does it ask for?
curl -s -i "@@url@@" | head -n 12
# Our service account for exports.
ls -la /etc/@@svc@@
cat /etc/@@svc@@/client.conf
KEY=$(sed -n 's/^api_key *= *//p' /etc/@@svc@@/client.conf | tr -d '[:space:]')
# A bearer token is the usual guess; the 401 detail says which header it really wants.
curl -s -H "Authorization: Bearer $KEY" "@@url@@"
curl -s -o /dev/null -w '%{http_code}\n' -H "X-Api-Key: $KEY" "@@url@@"
AUTH_H="X-Api-Key: $KEY"
