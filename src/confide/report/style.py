"""The report's stylesheet, inlined in the page: readable on screen, tidy on paper."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root { --ink: #222; --muted: #5f6368; --line: #dcdcdc; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: var(--ink); margin: 0 auto; max-width: 1120px; padding: 24px 28px;
  line-height: 1.45; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px;
  margin: 36px 0 12px; }
h3 { font-size: 15px; margin: 22px 0 6px; }
.sub { color: var(--muted); margin: 0 0 14px; }
nav { font-size: 13px; margin: 8px 0 4px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px;
  margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card .value { font-size: 22px; font-weight: 600; }
.card .label { color: var(--muted); font-size: 11px; text-transform: uppercase;
  letter-spacing: .04em; }
.grid { display: flex; flex-wrap: wrap; gap: 18px 24px; }
figure { margin: 0; flex: 1 1 460px; max-width: 540px; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; display: block; }
.how { color: var(--muted); font-size: 12.5px; margin: 4px 0 0; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left;
  vertical-align: top; }
thead th { background: #f1f4f7; border-bottom: 2px solid #b9b9b9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
.pairs th { font-weight: 600; color: var(--muted); min-width: 12em; }
.note { background: #fff8e6; border-left: 4px solid #E69F00; padding: 6px 10px; margin: 8px 0; }
.feature { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start;
  break-inside: avoid; }
.feature figure { flex: 0 1 520px; }
ul.tree { list-style: none; margin: 2px 0; padding-left: 22px; border-left: 1px dashed #b9b9b9; }
ul.tree.root { border-left: none; padding-left: 0; }
ul.tree li { margin: 2px 0; }
ul.tree .split { font-weight: 600; }
ul.tree li.leaf { color: var(--muted); font-variant-numeric: tabular-nums; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line);
  margin-top: 36px; padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, .feature, table, .cards { break-inside: avoid; }
  @page { margin: 14mm; }
}
"""
