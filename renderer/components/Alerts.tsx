/** Inline messages: errors are announced (role="alert"), confirmations politely (role="status"). */
export function ErrorAlert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="alert alert-error" role="alert">
      {message}
    </p>
  );
}

export function StatusMessage({ message }: { message: string | null | undefined }) {
  return (
    <p className="status-message" role="status">
      {message ?? ''}
    </p>
  );
}
