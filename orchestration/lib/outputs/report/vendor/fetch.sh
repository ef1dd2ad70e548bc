#!/usr/bin/env bash
# How the Vega JavaScript inlined into the HTML report was fetched: the npm registry's own tarballs of the
# versions Altair's Vega-Lite schema names (python -c "import altair; print(altair.VEGALITE_VERSION,
# altair.VEGA_VERSION, altair.VEGAEMBED_VERSION)"), their minified builds and licences copied here. Run it
# from this folder after changing the altair pin, then `sha256sum -c SHA256SUMS` and commit the result.
set -euo pipefail
cd "$(dirname "$0")"
VEGA=6.4.0 VEGA_LITE=6.4.1 VEGA_EMBED=7.3.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "vega@$VEGA" "vega-lite@$VEGA_LITE" "vega-embed@$VEGA_EMBED" >/dev/null)
for package in "vega:$VEGA" "vega-lite:$VEGA_LITE" "vega-embed:$VEGA_EMBED"; do
    name=${package%%:*} version=${package##*:}
    mkdir -p "$work/$name"
    tar -xzf "$work/$name-$version.tgz" -C "$work/$name"
    cp "$work/$name/package/build/$name.min.js" "$name.min.js"
    cp "$work/$name/package/LICENSE" "LICENSE-$name"
done
sha256sum vega.min.js vega-lite.min.js vega-embed.min.js > SHA256SUMS
