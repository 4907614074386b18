import type { Locator, Page } from '@playwright/test';

/** The Requests tab (the recent request log). */
export class RequestsPage {
  constructor(
    readonly page: Page,
    readonly panel: Locator,
  ) {}

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
