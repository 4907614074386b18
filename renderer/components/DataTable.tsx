/** A table with column headers (`<th scope="col">`), its rows given as children. */
import type { ReactNode } from 'react';

/** A column header: its text, or how it is shown. */
export type Column =
  | string
  | {
      label: string;
      className?: string;
      /** Heard by screen readers only (e.g. "Actions" over row buttons). */
      visuallyHidden?: boolean;
      /** A column of decoration (an arrow): an empty header hidden from screen readers. */
      decorative?: boolean;
    };

/** The header of the column of row buttons. */
export const ACTIONS_COLUMN: Column = { label: 'Actions', visuallyHidden: true };

export interface DataTableProps {
  columns: readonly Column[];
  /** Classes besides `table` (e.g. `numeric`). */
  className?: string;
  /** The id of the heading that names the table. */
  labelledBy?: string;
  /** Wraps the table so a narrow window scrolls it sideways (`.table-wrap`); true by default. */
  scroll?: boolean;
  /** The body's rows. */
  children: ReactNode;
}

export function DataTable({ columns, className, labelledBy, scroll = true, children }: DataTableProps) {
  const table = (
    <table className={className ? `table ${className}` : 'table'} aria-labelledby={labelledBy}>
      <thead>
        <tr>{columns.map((column, i) => <HeaderCell key={i} column={column} />)}</tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
  return scroll ? <div className="table-wrap">{table}</div> : table;
}

function HeaderCell({ column }: { column: Column }) {
  if (typeof column === 'string') return <th scope="col">{column}</th>;
  if (column.decorative) return <th scope="col" aria-hidden="true" />;
  return (
    <th scope="col" className={column.className}>
      {column.visuallyHidden ? <span className="visually-hidden">{column.label}</span> : column.label}
    </th>
  );
}
