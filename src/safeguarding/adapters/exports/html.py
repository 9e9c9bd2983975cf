"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no other files.

A page a regulator can save, mail or archive and open years later exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from safeguarding.domain.transparency import TransparencyReport

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a202c;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.muted { color: #4a5568; } dl { display: grid; grid-template-columns: max-content 1fr;
  gap: .2rem 1rem; } dt { font-weight: 600; } dd { margin: 0; }
table { border-collapse: collapse; width: 100%; } caption { text-align: left; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e2e8f0;
  vertical-align: top; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5rem 0; } figure svg { width: 100%; height: auto; }
code { font-size: .85em; word-break: break-all; }
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transparency report: {{ r.organisation }}, {{ r.period }}</title>
<style>{{ style }}</style>
</head>
<body>
<h1>Transparency report: {{ r.organisation }}</h1>
<p class="muted">{{ r.period }} ({{ r.period.days | round | int }} days)</p>
<dl>
  <dt>Accountable senior manager</dt><dd>{{ r.senior_manager or "not named" }}</dd>
  <dt>Generated</dt><dd>{{ r.generated_at.strftime("%d %B %Y %H:%M UTC") }}</dd>
  <dt>As of audit record</dt><dd>{{ r.audit_head.seq }} <code>{{ r.audit_head.hash }}</code></dd>
  <dt>Policy versions in force</dt><dd>{{ r.policy_versions | join(", ") or "none" }}</dd>
</dl>
{% for section in r.sections %}
<h2>{{ section.title }}</h2>
<table data-section="{{ section.title }}">
  <thead><tr><th>Figure</th><th>This period</th><th>Last year</th><th>In words</th></tr></thead>
  <tbody>{% for f in section.figures %}
    <tr data-figure="{{ f.name }}"><td>{{ f.label }}</td><td class="n">{{ f.shown() }}</td>
    <td class="n">{{ f.shown_previous() }}</td>
    <td>{{ f.wording() }}</td></tr>{% endfor %}
  </tbody>
</table>
{% if section.note %}<p class="muted">{{ section.note }}</p>{% endif %}
{% endfor %}
<h2>Charts</h2>
<figure>{{ harms }}<figcaption class="muted">Decisions that took action each day, by harm.
</figcaption></figure>
<figure>{{ times }}<figcaption class="muted">Median minutes from event to action each day.
</figcaption></figure>
<p class="muted">Definitions of every figure, and how to recompute this report from its audit
head, are in the service's documentation (transparency reports).</p>
</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True)
_PAGE = _ENV.from_string(PAGE)


def charts_svg(report: TransparencyReport) -> tuple[Markup, Markup]:
    """The two charts as inline SVG elements (our own drawing, so safe to embed)."""
    # matplotlib takes a third of a second to import: load it when a chart is drawn, not
    # when the server starts.
    from safeguarding.adapters.exports.charts import harm_chart, inline_svg, time_chart

    harms = Markup(inline_svg(harm_chart(report, "svg")))
    times = Markup(inline_svg(time_chart(report, "svg")))
    return harms, times


def render(report: TransparencyReport) -> str:
    harms, times = charts_svg(report)
    return _PAGE.render(r=report, style=STYLE, harms=harms, times=times)


def report_html(report: TransparencyReport) -> Iterator[bytes]:
    yield render(report).encode()
