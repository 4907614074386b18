import type { Locator } from '@playwright/test';
import { TabPage } from './tab-page';

/** The Usage tab. */
export class UsagePage extends TabPage {
  /** The number shown for a total (Requests, Input tokens…). */
  total(label: string): Locator {
    return this.panel.locator('.total', { has: this.page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
  }

  /** A breakdown table: "Per user", "Per API key", "Per model". */
  table(title: 'Per user' | 'Per API key' | 'Per model'): Locator {
    return this.panel.getByRole('table', { name: title });
  }

  get chart(): Locator {
    return this.panel.getByRole('img', { name: /Tokens over time/ });
  }

  get from(): Locator {
    return this.panel.getByLabel('From', { exact: true });
  }

  get to(): Locator {
    return this.panel.getByLabel('To', { exact: true });
  }
}
