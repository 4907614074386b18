/** The <option>s of a <select>. */
import type { ReactNode } from 'react';

export interface OptionItem {
  value: string | number;
  label: ReactNode;
}

/** One <option> per item, keyed by its value. */
export function Options({ items }: { items: readonly OptionItem[] }) {
  return (
    <>
      {items.map((item) => (
        <option key={item.value} value={item.value}>
          {item.label}
        </option>
      ))}
    </>
  );
}
