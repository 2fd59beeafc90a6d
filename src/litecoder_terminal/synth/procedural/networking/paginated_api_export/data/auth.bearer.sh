# The documented endpoint without credentials: what does it ask for (status, WWW-Authenticate)?
curl -s -i "@@url@@" | head -n 12
# Our service account for exports.
ls -la /etc/@@svc@@
cat /etc/@@svc@@/client.conf
KEY=$(sed -n 's/^api_key *= *//p' /etc/@@svc@@/client.conf | tr -d '[:space:]')
# The 401 named a Bearer realm: try the key as a bearer token.
curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" "@@url@@"
AUTH_H="Authorization: Bearer $KEY"
