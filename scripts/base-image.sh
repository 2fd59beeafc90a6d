#!/usr/bin/env bash
# Make a base image available locally: pull it when a registry answers, otherwise build it with
# debootstrap + docker import, baking an optional extra CA bundle into it (TLS-intercepting proxies).
# usage: base-image.sh TAG  (env: LCT_EXTRA_CA_BUNDLE=path, LCT_DEBIAN_MIRROR=url, LCT_FORCE_LOCAL=1)
set -euo pipefail
tag=${1:?usage: base-image.sh TAG}
mirror=${LCT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ca=${LCT_EXTRA_CA_BUNDLE:-}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag: present"; exit 0
fi
if [ -z "${LCT_FORCE_LOCAL:-}" ] && timeout 60 docker pull "$tag" >/dev/null 2>&1; then
  echo "base image $tag: pulled"; exit 0
fi

case "$tag" in
  debian:bookworm*|debian:12*) suite=bookworm ;;
  debian:trixie*|debian:13*) suite=trixie ;;
  *) echo "base image $tag: no registry reachable and no local recipe for it" >&2; exit 1 ;;
esac

work=$(mktemp -d /var/tmp/lct-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
echo "base image $tag: building locally from $mirror ($suite, minbase)"
debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# Trim what the slim images trim too: apt lists and caches, docs.
rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/*.bin \
       "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/locale/*
echo "deb $mirror $suite main" > "$work/rootfs/etc/apt/sources.list"
tar -C "$work/rootfs" -c . | docker import - "lct-rootfs:$suite" >/dev/null

mkdir -p "$work/ctx"
cp /dev/null "$work/ctx/extra-ca.crt"
[ -n "$ca" ] && cp "$ca" "$work/ctx/extra-ca.crt"
cat > "$work/ctx/Dockerfile" <<DOCKERFILE
FROM lct-rootfs:$suite
# The extra CA bundle: kept where update-ca-certificates picks it up if ca-certificates is installed later,
# and used directly as the system bundle until then.
COPY extra-ca.crt /usr/local/share/ca-certificates/lct-extra-ca.crt
RUN mkdir -p /etc/ssl/certs && if [ -s /usr/local/share/ca-certificates/lct-extra-ca.crt ]; then \
      cp /usr/local/share/ca-certificates/lct-extra-ca.crt /etc/ssl/certs/ca-certificates.crt; \
    else rm /usr/local/share/ca-certificates/lct-extra-ca.crt; fi
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt DEBIAN_FRONTEND=noninteractive
CMD ["bash"]
DOCKERFILE
docker build -q -t "$tag" "$work/ctx" >/dev/null
echo "base image $tag: built locally"
