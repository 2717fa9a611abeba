# Shared by build-debian-module.sh and build-nginx-addon.sh: a writable copy of the
# configured nginx source Debian built its nginx from (package nginx-dev,
# /usr/share/nginx/src, configure flags in `conf_flags`), configured like Debian's.
#
#   source scripts/lib/debian-nginx-src.sh
#   configure_debian_nginx_copy DEST [EXTRA CONFIGURE ARGS...]
#
# Environment variables set by the caller (e.g. the module's `ngx_cargo_*` settings)
# reach `configure`. On failure the tail of configure.log is printed and the script
# exits.

configure_debian_nginx_copy() {
    local dest=$1
    shift
    local src=/usr/share/nginx/src
    if [[ ! -f "$src/conf_flags" ]]; then
        echo "$(basename "$0"): $src/conf_flags not found; install nginx-dev" >&2
        exit 1
    fi
    rm -rf "$dest"
    mkdir -p "$(dirname "$dest")"
    cp -r "$src" "$dest"
    (
        cd "$dest"
        # shellcheck disable=SC1091
        source ./conf_flags
        ./configure "${NGX_CONF_FLAGS[@]}" "$@" >configure.log 2>&1 || {
            tail -n 30 configure.log >&2
            exit 1
        }
    ) || exit 1
}
