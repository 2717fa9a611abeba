# Makefile fragment for nginx's build (see `config`): builds the crate with cargo as a
# static library against the nginx tree being configured. cargo tracks its own inputs,
# so the target is phony and cargo always runs.
cat << END >> $NGX_MAKEFILE

.PHONY: $ngx_cors_lib

$ngx_cors_lib:
	NGINX_BUILD_DIR="\$\$(pwd)/$NGX_OBJS" NGINX_SOURCE_DIR="\$\$(pwd)" \\
	\$\${CARGO:-cargo} rustc --lib --crate-type staticlib \\
		--manifest-path "$ngx_addon_dir/Cargo.toml" \\
		--no-default-features --features nginx-build-system \\
		--profile $ngx_cors_profile \\
		--target-dir "$ngx_cors_target_dir"

END
