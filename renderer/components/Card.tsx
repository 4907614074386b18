/** A card: a <section> named by its own <h2>, with optional controls beside the title. */
import type { ReactNode } from 'react';

export interface CardProps {
  /** The heading's id, which labels the section (unique on the page). */
  headingId: string;
  title: ReactNode;
  /**
   * Controls beside the title, in a `.card-head` row. Pass null to keep that row while there is nothing to show;
   * leave it out for a plain heading.
   */
  actions?: ReactNode;
  children?: ReactNode;
}

/** `<section class="card" aria-labelledby>` with its `<h2>`, and the head row when `actions` is given. */
export function Card({ headingId, title, actions, children }: CardProps) {
  const heading = <h2 id={headingId}>{title}</h2>;
  return (
    <section className="card" aria-labelledby={headingId}>
      {actions === undefined ? (
        heading
      ) : (
        <div className="card-head">
          {heading}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}
