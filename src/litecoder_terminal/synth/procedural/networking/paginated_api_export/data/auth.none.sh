# The documented endpoint: status, headers and the shape of the body (no credentials needed?).
curl -s -i "@@url@@" | head -n 12
AUTH_H='X-Client: probe'
