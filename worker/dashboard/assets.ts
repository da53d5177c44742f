// The dashboard's one stylesheet, served from the Worker so the CSP can forbid inline styles.
// Focus is always visible; colours keep text contrast at WCAG AA on white.

export const DASHBOARD_CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --panel: #f6f8fa; --accent: #0a58ca; --bad: #b42318; --good: #116329; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.25rem; background: #0d1117; color: #fff; flex-wrap: wrap; }
header.top .brand { font-weight: 700; letter-spacing: .02em; color: #fff; text-decoration: none; }
header.top nav ul { display: flex; gap: .25rem; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
header.top nav a { color: #e6edf3; text-decoration: none; padding: .35rem .65rem; border-radius: 6px; display: inline-block; }
header.top nav a[aria-current="page"] { background: #30363d; color: #fff; font-weight: 600; }
header.top nav a:hover { background: #21262d; }
header.top form { margin-left: auto; }
header.top button { background: transparent; color: #e6edf3; border: 1px solid #57606a; }
main { padding: 1.25rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: .4rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
button, .button { font: inherit; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); color: var(--fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
.actions { display: flex; gap: .35rem; flex-wrap: wrap; align-items: center; }
.actions form { margin: 0; }
td .actions { flex-wrap: nowrap; }
/* The registry has many columns: its actions stack in one narrow column so the table fits a laptop screen. */
table.registry th[scope=row] { min-width: 11rem; }
table.registry td .actions { flex-direction: column; align-items: stretch; }
table.registry td .actions .button, table.registry td .actions button { width: 100%; text-align: center; }
/* The row a change's redirect lands on (#expert-…): marked, a little below the top of the window. */
tr[id] { scroll-margin-top: 3rem; }
tr:target { background: #fff8c5; }
td .button, td button { padding: .15rem .5rem; font-size: 13px; }
th[scope=row] .muted { font-weight: 400; font-size: 13px; }
caption { text-align: left; padding: .35rem .55rem; }
form.stack { display: grid; gap: .9rem; max-width: 760px; }
.field { display: grid; gap: .25rem; align-content: start; }
.field label, fieldset legend { font-weight: 600; }
.field .hint { color: var(--muted); font-size: 13px; }
input[type=text], input[type=search], input[type=number], input[type=url], input[type=password], input[type=datetime-local], select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #8c959f; border-radius: 6px; width: 100%; background: #fff; color: var(--fg); }
textarea { min-height: 7rem; }
.field.invalid input, .field.invalid select, .field.invalid textarea { border-color: var(--bad); border-width: 2px; }
.error { color: var(--bad); font-weight: 600; font-size: 14px; }
.notice { padding: .6rem .9rem; border-radius: 8px; border: 1px solid var(--line); background: var(--panel); margin: .75rem 0; }
.notice.bad { border-color: var(--bad); color: var(--bad); background: #fff5f5; }
.notice.good { border-color: var(--good); color: var(--good); background: #f3fbf4; }
.notice > h2:first-child { margin-top: 0; }
.row { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .9rem; }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; }
fieldset.checks { max-height: 16rem; overflow-y: auto; }
fieldset.knobs { display: grid; gap: .75rem; }
fieldset.knobs > legend { font-size: 1.05rem; }
fieldset.checks label { display: block; font-weight: 400; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
.filters .field { min-width: 9rem; }
.pill { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; border: 1px solid currentColor; white-space: nowrap; }
.pill.ok, .pill.closed, .pill.on { color: var(--good); }
.pill.error, .pill.open, .pill.timeout, .pill.off { color: var(--bad); }
.pill.half-open, .pill.cancelled { color: var(--warn); }
.muted { color: var(--muted); }
pre.text { white-space: pre-wrap; word-break: break-word; background: var(--panel); padding: .6rem .8rem; border-radius: 6px; border: 1px solid var(--line); margin: .25rem 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .75rem; margin-bottom: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
.card .value { font-size: 1.4rem; font-weight: 700; font-variant-numeric: tabular-nums; }
/* A chart box, or a grid of them, keeps a gap to what follows it (a table's frame has no margin of its own). */
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(440px, 100%), 1fr)); gap: 1rem; margin-bottom: 1rem; }
figure { margin: 0 0 1rem; border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
.charts > figure { margin-bottom: 0; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { width: 100%; height: auto; display: block; }
/* Heat maps keep their natural cell size (a 2 × 8 map must not fill the page), shrinking only to fit. */
svg.chart.heatmap { width: auto; max-width: 100%; }
/* A few rows of calls: drawn near their natural size, not blown up to the page's width. */
svg.chart.timeline { max-width: 800px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #57606a; }
svg.chart text.on-dark { fill: #fff; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.pager { display: flex; gap: 1rem; margin-top: .75rem; }
ul.called { list-style: none; margin: 0; padding: 0; }
ul.called .pill { margin-left: .3rem; }
span.budget { display: inline-flex; flex-wrap: wrap; gap: .15rem .4rem; align-items: center; }
span.budget meter { width: 7rem; }
pre.secret { user-select: all; font-size: 15px; }
table.history td.prompt { min-width: 16rem; max-width: 30rem; }
.filters .field:first-child { min-width: 16rem; flex: 1; }
`;
