#!/usr/bin/env bash
# Prepare a Debian bookworm host for Hydra: runc, conmon, CRIU 4.2.1 and the tools the
# build, tests and benchmarks need. Runs as root, non-interactive, idempotent: a second
# run on a prepared host only checks and returns within seconds.
# Facts behind every step: /work/shared/ENVIRONMENT.md.
set -euo pipefail

CRIU_VERSION=4.2.1
CRIU_DEB_VERSION=4.2.1-1
BUILD_DIR=/var/cache/hydra-build
SRC_LIST=/etc/apt/sources.list.d/hydra-sid-src.sources
OLD_SRC_LIST=/etc/apt/sources.list.d/hydra-trixie-src.sources
PIPE_MAX_SIZE=4194304

export DEBIAN_FRONTEND=noninteractive
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}

log() { echo "setup: $*"; }
warn() { echo "setup: WARNING: $*" >&2; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

APT_UPDATED=0
apt_update() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
}

# Prints the packages of "$@" that are not installed.
missing_pkgs() {
    local p status
    for p in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] || echo "$p"
    done
}

apt_install() {
    local missing
    missing=$(missing_pkgs "$@")
    [ -n "$missing" ] || return 0
    apt_update
    # shellcheck disable=SC2086
    log "apt-get install $(echo $missing)"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Major version of the JDK on PATH (0 if absent).
java_major() {
    local tool=$1 v
    command -v "$tool" >/dev/null 2>&1 || { echo 0; return; }
    v=$("$tool" -version 2>&1 | grep -Eo '[0-9]+(\.[0-9]+)*' | head -n1 || true)
    v=${v%%.*}
    [ "$v" = 1 ] && v=8   # "1.8.0_..." style
    echo "${v:-0}"
}

# Version of the criu on PATH ("0" if absent or broken), e.g. 4.2.1.
criu_version() {
    local v
    command -v criu >/dev/null 2>&1 || { echo 0; return; }
    v=$(criu --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p' | head -n1 || true)
    echo "${v:-0}"
}

# True when version $1 >= version $2 (dotted numbers).
version_ge() {
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# ---------------------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------------------
PKGS=(runc conmon iptables busybox-static maven redis-server redis-tools iproute2 procps gcc libc6-dev openssl
      git ca-certificates skopeo umoci docker-registry apache2-utils python3 curl etcd-server etcd-client)
if [ "$(java_major java)" -lt 17 ] || [ "$(java_major javac)" -lt 17 ]; then
    PKGS+=(openjdk-17-jdk-headless)
fi
apt_install "${PKGS[@]}"
log "packages ok"

# ---------------------------------------------------------------------------------------
# 2. CRIU 4.2.1 from sid's source tarball, built against bookworm's libraries
# ---------------------------------------------------------------------------------------
remove_src_list() {
    if [ -e "$SRC_LIST" ]; then
        rm -f "$SRC_LIST"
        log "removed temporary deb-src entry, apt-get update"
        apt-get update -qq >/dev/null || warn "apt-get update failed after removing $SRC_LIST"
    fi
}

build_criu() {
    log "building CRIU $CRIU_VERSION (a few minutes)"
    apt_install gcc make pkgconf libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev \
        protobuf-compiler libcap-dev libnl-3-dev libnet1-dev libbsd-dev libgnutls28-dev \
        libnftables-dev uuid-dev xz-utils ca-certificates iproute2 iptables

    mkdir -p "$BUILD_DIR"
    cd "$BUILD_DIR"
    if ! ls criu_"$CRIU_VERSION".orig.tar.* >/dev/null 2>&1; then
        trap remove_src_list EXIT
        trap "exit 130" INT TERM HUP
        cat >"$SRC_LIST" <<'EOF2'
# Temporary, written by Hydra's scripts/setup-host.sh to fetch CRIU's source; removed after.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF2
        log "apt-get update (with temporary sid deb-src)"
        apt-get update -qq >/dev/null
        log "apt-get source criu=$CRIU_DEB_VERSION"
        # --tar-only: the .dsc answers 404 on this mirror; apt still checks the tarball's
        # sha256 against sid's Sources index.
        apt-get source -qq -o APT::Sandbox::User=root --tar-only --download-only \
            "criu=$CRIU_DEB_VERSION" >/dev/null
        remove_src_list
        trap - EXIT INT TERM HUP
    fi
    rm -rf "criu-$CRIU_VERSION"

    local tarball
    tarball=$(ls criu_"$CRIU_VERSION".orig.tar.* | head -n1)
    log "unpacking $tarball"
    tar -xf "$tarball"
    [ -d "criu-$CRIU_VERSION" ] || die "unexpected layout of $tarball"
    cd "criu-$CRIU_VERSION"
    log "make -j2 criu"
    make -j2 criu >"$BUILD_DIR/criu-build.log" 2>&1 \
        || { tail -n 30 "$BUILD_DIR/criu-build.log" >&2; die "CRIU build failed (log: $BUILD_DIR/criu-build.log)"; }
    install -D -m 0755 criu/criu /usr/local/sbin/criu
    hash -r
    log "installed /usr/local/sbin/criu"
    install_crit "$BUILD_DIR/criu-$CRIU_VERSION"
}

# crit is optional: needs python3 with google.protobuf (python3-protobuf) already present.
install_crit() {
    local src=$1 py=/usr/bin/python3 site
    [ -x /usr/local/bin/crit ] && grep -q "'$CRIU_VERSION'" /usr/local/lib/hydra-crit/crit/version.py 2>/dev/null && return 0
    if ! [ -x "$py" ] || ! "$py" -c 'import google.protobuf' >/dev/null 2>&1; then
        log "skipping crit (python3-protobuf not installed)"
        return 0
    fi
    (cd "$src" && make -j2 lib >>"$BUILD_DIR/criu-build.log" 2>&1) \
        || { warn "crit: building pycriu failed, skipped"; return 0; }
    echo "__version__ = '$CRIU_VERSION'" >"$src/crit/crit/version.py"
    site=/usr/local/lib/hydra-crit
    rm -rf "$site" && mkdir -p "$site"
    cp -r "$src/lib/pycriu" "$site/"
    cp -r "$src/crit/crit" "$site/"
    cat >/usr/local/bin/crit <<EOF
#!/bin/sh
PYTHONPATH=$site exec $py -m crit "\$@"
EOF
    chmod 0755 /usr/local/bin/crit
    if /usr/local/bin/crit --help >/dev/null 2>&1; then
        log "installed /usr/local/bin/crit"
    else
        warn "crit does not run, removed"
        rm -rf /usr/local/bin/crit "$site"
    fi
}

# A leftover deb-src entry from an interrupted run (or the 4.1.1 era) must not stay behind.
if [ -e "$OLD_SRC_LIST" ]; then rm -f "$OLD_SRC_LIST"; apt-get update -qq >/dev/null || true; fi
remove_src_list

# 4.1.x cannot dump any inet socket on kernels >= 6.16 (criu#2718): an older CRIU is upgraded, never kept.
have=$(criu_version)
if version_ge "$have" "$CRIU_VERSION"; then
    log "criu $have already installed"
else
    [ "$have" = 0 ] || log "criu $have is older than $CRIU_VERSION: upgrading"
    build_criu
fi
have=$(criu_version)
version_ge "$have" "$CRIU_VERSION" || die "criu >= $CRIU_VERSION required, found: $(criu --version 2>&1 | head -n1)"

# ---------------------------------------------------------------------------------------
# 3. Kernel knob for CRIU lazy pages
# ---------------------------------------------------------------------------------------
cur=$(cat /proc/sys/fs/pipe-max-size)
if [ "$cur" -lt "$PIPE_MAX_SIZE" ]; then
    echo "$PIPE_MAX_SIZE" >/proc/sys/fs/pipe-max-size
    log "fs.pipe-max-size $cur -> $PIPE_MAX_SIZE"
fi

# ---------------------------------------------------------------------------------------
# 4. Verify
# ---------------------------------------------------------------------------------------
check_out=$(criu check 2>&1 || true)
if echo "$check_out" | grep -q "Looks good"; then
    log "criu check: Looks good"
else
    warn "criu check did not say 'Looks good':"
    echo "$check_out" | tail -n 5 >&2
fi
log "criu $(criu --version | sed -n 's/^Version: *//p')"
runc_v=$(runc --version 2>&1) || die "runc --version failed: $runc_v"
log "$(echo "$runc_v" | head -n1)"
conmon_v=$(conmon --version 2>&1) || die "conmon --version failed: $conmon_v"
log "$(echo "$conmon_v" | head -n1)"
log "done"
