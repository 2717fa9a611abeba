#!/usr/bin/env bash
# Installs the Debian packages the project needs: libclang (bindgen, for the module),
# the libraries nginx is built with, Debian's nginx and its configured source
# (nginx-dev, for the Debian build of the module), wrk (benchmarks), chromium and its
# driver (browser tests), valgrind (benchmarks) and curl (the demo). Idempotent: installs only what is missing, and
# uses sudo only when not root.
set -euo pipefail

packages=(libclang-dev libpcre2-dev libssl-dev zlib1g-dev nginx nginx-dev wrk
          chromium chromium-driver valgrind curl)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps.sh: all packages present"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
echo "install-deps.sh: installing ${missing[*]}"
"${sudo[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${missing[@]}"
