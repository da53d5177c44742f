import type { Child } from 'hono/jsx';
import { seg } from './api-client';

// The dashboard's data tables: a caption, one row of column headings, the rows, in a frame that
// scrolls sideways on a narrow screen.

/** A column heading: its text, or `num(text)` for a column of figures (right-aligned). */
export type Column = string | { label: string; num: true };

export const num = (label: string): Column => ({ label, num: true });

/** A list's row element id: `expert-<id>`, `policy-<name>`. */
export const rowId = (kind: 'expert' | 'policy', id: string) => `${kind}-${id}`;

/**
 * The fragment a change's redirect names so the list opens at the row it changed, not at the top of
 * a long list where the operator loses their place. Encoded: a browser decodes it before it looks.
 */
export const rowAnchor = (kind: 'expert' | 'policy', id: string) => `#${seg(rowId(kind, id))}`;

/** The caption reads muted, except where `plainCaption` says it is the table's heading. */
export function DataTable(props: { class?: string; caption: Child; plainCaption?: boolean; columns: Column[]; children: Child }) {
  return (
    <div class="table-wrap">
      <table class={props.class}>
        <caption class={props.plainCaption ? undefined : 'muted'}>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) =>
              typeof c === 'string' ? (
                <th scope="col">{c}</th>
              ) : (
                <th scope="col" class="num">
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
