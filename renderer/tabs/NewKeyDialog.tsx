/** Shows a new key's secret, once, with a Copy button and a warning. */
import type { CreatedKey } from '../../shared/types';
import { CopyButton } from '../components/CopyButton';
import { Modal } from '../components/Modal';

export function NewKeyDialog({ created, onClose }: { created: CreatedKey; onClose: () => void }) {
  return (
    <Modal title="Your new API key" onClose={onClose} role="alertdialog" className="modal-wide">
      <p>
        Key <strong>{created.name}</strong> for <strong>{created.username}</strong>:
      </p>
      <div className="secret">
        <code aria-label="New API key">{created.api_key}</code>
        <CopyButton text={created.api_key} label="Copy key" />
      </div>
      <p className="alert alert-warning">Copy it now: this is the only time it is shown. InfiniProxy keeps only a hash of it.</p>
      <div className="actions">
        <button type="button" onClick={onClose}>
          I have saved it
        </button>
      </div>
    </Modal>
  );
}
