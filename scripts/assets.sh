#!/usr/bin/env bash
# Copies the front-end libraries pinned in package.json / package-lock.json
# into internal/web/static/vendor/, which the Go binary embeds.
#
# Run it from anywhere: bash scripts/assets.sh
# It installs node_modules with `npm ci` only when they are missing or older
# than package-lock.json, then recreates the vendor folder from scratch, so
# running it twice gives the same result.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

nm=node_modules
vendor=internal/web/static/vendor

# npm ci writes node_modules/.package-lock.json; it is our install stamp.
if [[ ! -f $nm/.package-lock.json || package-lock.json -nt $nm/.package-lock.json ]]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "assets.sh: npm not found; install Node.js (with npm) first" >&2
		exit 1
	fi
	echo "assets.sh: installing npm packages (npm ci)"
	npm ci --no-audit --no-fund
fi

# copy SRC DEST copies one file from node_modules into the vendor folder.
copy() {
	local src=$nm/$1 dest=$vendor/$2
	if [[ ! -f $src ]]; then
		echo "assets.sh: missing $src (package layout changed?)" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$dest")"
	cp "$src" "$dest"
}

# copy_nomap SRC DEST copies like copy, but drops the trailing
# sourceMappingURL comment: the .map files are not shipped, and the comment
# would only make browser dev tools request a missing file.
copy_nomap() {
	copy "$1" "$2"
	sed -i -e '/^\/[*/]# sourceMappingURL=/d' "$vendor/$2"
}

rm -rf "$vendor"
mkdir -p "$vendor"

# Tabler (bundles Bootstrap 5; its JS exposes window.tabler, incl. Toast).
copy_nomap @tabler/core/dist/css/tabler.min.css tabler.min.css
copy_nomap @tabler/core/dist/js/tabler.min.js tabler.min.js

# Tabler icons webfont. The CSS lists woff2 first in its @font-face src,
# so every browser we support loads woff2 and the woff/ttf files are left
# out. The CSS is copied unchanged; its ./fonts/ path stays valid.
icons_css=@tabler/icons-webfont/dist/tabler-icons.min.css
if ! grep -q 'url("./fonts/tabler-icons.woff2' "$nm/$icons_css"; then
	echo "assets.sh: $icons_css no longer references ./fonts/tabler-icons.woff2" >&2
	exit 1
fi
copy "$icons_css" tabler-icons.min.css
copy @tabler/icons-webfont/dist/fonts/tabler-icons.woff2 fonts/tabler-icons.woff2

# htmx 2, Chart.js (UMD build, sets window.Chart), SortableJS, Alpine.js
# (the "cdn" build is the one that starts itself from a <script defer> tag).
copy htmx.org/dist/htmx.min.js htmx.min.js
copy_nomap chart.js/dist/chart.umd.min.js chart.umd.min.js
copy sortablejs/Sortable.min.js Sortable.min.js
copy alpinejs/dist/cdn.min.js alpine.min.js

echo "assets.sh: $(find "$vendor" -type f | wc -l) files in $vendor ($(du -sh "$vendor" | cut -f1))"
