#!/bin/bash
# usage: busybox-image.sh OUT_LAYOUT [TAG]
# Builds a busybox OCI image layout at OUT_LAYOUT (tag TAG, default latest) from Debian's busybox-static, with umoci:
# /bin/busybox and a link per applet in /bin, /etc/passwd and /etc/group with root and nobody, /tmp (1777), /root;
# config Cmd ["sh"], Env PATH. No network needed. Idempotent: a layout that already has TAG is left as it is; a new
# layout is built aside and moved into place only when complete. Then: hydra image import OUT_LAYOUT
# (the image is named after the directory: /tmp/busybox with tag latest is busybox:latest).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 OUT_LAYOUT [TAG]" >&2
    exit 2
fi
out=$1
tag=${2:-latest}
busybox=/bin/busybox
for tool in umoci; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done
if [ ! -x "$busybox" ] || ! "$busybox" --list >/dev/null 2>&1; then
    echo "$0: $busybox is missing or not runnable (apt-get install busybox-static)" >&2
    exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
    echo "$0: $busybox is dynamically linked; the image needs busybox-static's" >&2
    exit 1
fi
if [ -f "$out/index.json" ] && umoci ls --layout "$out" | grep -qxF "$tag"; then
    echo "$out:$tag already exists"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/busybox-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -f "$out/index.json" ]; then
    layout=$out
else
    layout=$work/layout
    umoci init --layout "$layout"
fi
umoci new --image "$layout:$tag"
umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
cp "$busybox" "$rootfs/bin/busybox"
chmod 0755 "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    # never a link named busybox: it would point at itself
    if [ "$applet" != busybox ]; then
        ln -sf busybox "$rootfs/bin/$applet"
    fi
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' > "$rootfs/etc/group"
umoci repack --image "$layout:$tag" "$work/bundle"
umoci config --image "$layout:$tag" --config.cmd sh \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umoci gc --layout "$layout"
if [ "$layout" != "$out" ]; then
    mkdir -p "$(dirname "$out")"
    mv "$layout" "$out"
fi
echo "built $out:$tag"
