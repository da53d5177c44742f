import type { Child } from 'hono/jsx';

// The dashboard's data tables: a caption, one row of column headings, the rows, in a frame that
// scrolls sideways on a narrow screen.

/** A column heading: its text, or `num(text)` for a column of figures (right-aligned). */
export type Column = string | { label: string; num: true };

export const num = (label: string): Column => ({ label, num: true });

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
