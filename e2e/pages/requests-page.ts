import type { Locator } from '@playwright/test';
import { TabPage } from './tab-page';

/** The Requests tab (the recent request log). */
export class RequestsPage extends TabPage {
  get table(): Locator {
    return this.panel.getByRole('table');
  }

  /** Log rows mentioning `text` (a key name, a model…). */
  rows(text: string): Locator {
    return this.table.getByRole('row').filter({ hasText: text });
  }

  get autoRefresh(): Locator {
    return this.panel.getByLabel(/Auto-refresh/);
  }
}
