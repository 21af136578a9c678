"""An HTML template for `dvc plots show` / `dvc plots diff` whose charts render with no network.

DVC's own page loads Vega, Vega-Lite and Vega-Embed from a CDN, so it is blank offline. This
template inlines the three libraries from the `vl-convert-python` package (its JavaScript bundle
defines `window.vegaEmbed`, the one function DVC's chart snippets call) and has no `{scripts}`
placeholder, so DVC adds no CDN tags. `.dvc/config` points `plots.html_template` at it.
"""

from __future__ import annotations

from pathlib import Path

from modpred.atomic import write_text

VEGA_LITE = "v5.21"  # DVC 3's chart specs are Vega-Lite 5

PAGE = """<!DOCTYPE html>
<html>
<head>
    {refresh_tag}
    <meta charset="utf-8">
    <title>DVC Plot</title>
    <!-- Vega, Vega-Lite __VL__ and Vega-Embed, inlined from vl-convert-python __VERSION__ -->
    <script type="text/javascript">
(function () {
__BUNDLE__
})();
    </script>
    <style>
        table {
            border-spacing: 15px;
        }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def offline_template() -> str:
    import vl_convert

    return (
        PAGE.replace("__VL__", VEGA_LITE)
        .replace("__VERSION__", vl_convert.__version__)  # type: ignore[attr-defined]  # no stubs
        .replace("__BUNDLE__", vl_convert.javascript_bundle(vl_version=VEGA_LITE))  # type: ignore[call-arg]
    )


def write_offline_template(path: Path) -> None:
    write_text(path, offline_template())
