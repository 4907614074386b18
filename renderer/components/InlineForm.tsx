/** A form laid out in one row (`.form-row`): its fields, then its submit button. */
import type { ReactNode } from 'react';

export interface InlineFormProps {
  /** Called on submit; the browser's own submission and validation are off. */
  onSubmit: () => void;
  submitLabel: string;
  /** Disables the submit button (busy, or nothing to submit yet). */
  disabled: boolean;
  /** The fields. */
  children: ReactNode;
}

/** The create forms of the Users and API Keys tabs. */
export function InlineForm({ onSubmit, submitLabel, disabled, children }: InlineFormProps) {
  return (
    <form
      className="form-row"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
      noValidate
    >
      {children}
      <div className="form-row-actions">
        <button type="submit" disabled={disabled}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
