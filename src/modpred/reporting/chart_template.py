"""The Vega-Lite template of the `dvc plots` charts, with the colours of `colors` written into it.

DVC fills in the data, the axes and the title; the template fixes the rest: a line per model with
one colour per model (an explicit domain and range, so a model has the same colour in every chart
whatever else the chart shows), dashes per revision (for `dvc plots diff`), baselines thin and
translucent, one column per dataset. `report` writes it beside the chart tables.
"""

from __future__ import annotations

import json
from pathlib import Path

from modpred.atomic import write_text


def chart_template(colors: dict[str, str]) -> dict[str, object]:
    """The template for lines labelled by the keys of `colors` (legend in that order)."""
    y = "<DVC_METRIC_Y>"
    baseline = "indexof(datum.model, 'baseline') === 0"
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": "<DVC_METRIC_DATA>"},
        "title": "<DVC_METRIC_TITLE>",
        "width": 360,
        "height": 260,
        "transform": [{"filter": f"datum['{y}'] !== '' && isValid(datum['{y}'])"}],
        "mark": {"type": "line", "point": {"size": 18}, "tooltip": {"content": "data"}},
        "encoding": {
            "x": {"field": "<DVC_METRIC_X>", "type": "quantitative", "title": "<DVC_METRIC_X_LABEL>"},
            "y": {"field": y, "type": "quantitative", "title": "<DVC_METRIC_Y_LABEL>", "scale": {"zero": False}},
            "color": {
                "field": "model",
                "type": "nominal",
                "title": "model",
                "sort": list(colors),
                "scale": {"domain": list(colors), "range": list(colors.values())},
            },
            "strokeDash": {"field": "rev", "type": "nominal", "title": "revision"},
            "strokeWidth": {"condition": {"test": baseline, "value": 1}, "value": 2.2},
            "opacity": {"condition": {"test": baseline, "value": 0.55}, "value": 1},
            "column": {"field": "dataset", "type": "nominal", "title": "dataset"},
        },
    }


def write_chart_template(path: Path, colors: dict[str, str]) -> None:
    write_text(path, json.dumps(chart_template(colors), indent=2, ensure_ascii=False) + "\n")
