#!/usr/bin/env bash
# Installs corsc for the GitHub Action (action.yml) from a release of ngx-cors:
#
#   ci/action/install-corsc.sh VERSION DEST_DIR     VERSION: 0.1.0, or `latest`
#
# The release asset is corsc-VERSION-x86_64-unknown-linux-gnu.tar.gz (one `corsc`
# binary, built with the `dist` profile), checked against the .sha256 file published
# next to it. A `corsc` already on PATH with the same version is kept (CI of this
# repository puts the one it just built there). Linux x86_64 runners only; elsewhere
# `cargo install --locked --git https://github.com/ngx-cors/ngx-cors corsc`.
set -euo pipefail

version=${1:?usage: install-corsc.sh VERSION DEST_DIR}
dest=${2:?usage: install-corsc.sh VERSION DEST_DIR}
repo=${CORSC_REPOSITORY:-https://github.com/ngx-cors/ngx-cors}

if command -v corsc >/dev/null; then
    have=$(corsc --version | cut -d' ' -f2)
    if [[ "$version" == latest || "$version" == "$have" ]]; then
        echo "corsc $have already on PATH: $(command -v corsc)"
        exit 0
    fi
fi

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) triple=x86_64-unknown-linux-gnu ;;
    *)
        echo "install-corsc.sh: no corsc release for $(uname -s) $(uname -m)" >&2
        exit 2
        ;;
esac
if [[ "$version" == latest ]]; then
    # The redirect of /releases/latest names the newest tag (vX.Y.Z).
    tag=$(curl -fsSLI -o /dev/null -w '%{url_effective}' "$repo/releases/latest")
    version=${tag##*/v}
fi
asset="corsc-$version-$triple.tar.gz"
url="$repo/releases/download/v$version/$asset"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp/$asset" "$url"
curl -fsSL --retry 3 -o "$tmp/$asset.sha256" "$url.sha256"
(cd "$tmp" && sha256sum -c "$asset.sha256" >/dev/null)
mkdir -p "$dest"
tar -xzf "$tmp/$asset" -C "$dest" corsc
echo "corsc $version installed in $dest"
