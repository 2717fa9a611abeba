#!/usr/bin/env bash
# Installs the Debian packages the project needs. Idempotent: installs only what is
# missing, and uses sudo only when not root.
#
#   scripts/install-deps.sh demo    what scripts/demo.sh needs: libclang (bindgen, for the
#                                   module), the libraries nginx is built with, curl
#   scripts/install-deps.sh         everything scripts/test.sh needs: the above, plus
#                                   Debian's nginx and its configured source (nginx-dev, for
#                                   the Debian build and package of the module), lintian
#                                   (the package check), wrk and valgrind (benchmarks),
#                                   chromium and its driver (browser tests)
set -euo pipefail

demo=(libclang-dev libpcre2-dev libssl-dev zlib1g-dev make curl)
case "${1:-all}" in
    demo) packages=("${demo[@]}") ;;
    all) packages=("${demo[@]}" nginx nginx-dev lintian wrk chromium chromium-driver valgrind) ;;
    *)
        echo "usage: scripts/install-deps.sh [demo|all]" >&2
        exit 2
        ;;
esac

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
