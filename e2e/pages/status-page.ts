import type { Locator } from '@playwright/test';
import { TabPage } from './tab-page';

/** The Status tab. */
export class StatusPage extends TabPage {
  /** The value next to a fact label (State, URL, Backend…). */
  fact(label: string): Locator {
    return this.panel.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]');
  }

  get snippet(): Locator {
    return this.panel.getByLabel('Claude Code setup commands');
  }

  get copyButton(): Locator {
    return this.panel.getByRole('button', { name: 'Copy setup commands' });
  }

  /** The provider's row in the Providers health table. */
  providerHealth(name: string): Locator {
    return this.panel.getByRole('table', { name: 'Providers', exact: true }).getByRole('row').filter({ hasText: name });
  }
}
