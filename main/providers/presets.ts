/** The built-in provider presets (shared with the renderer: shared/provider-presets.ts). */
export { findPreset, PRESETS, providerFromPreset } from '../../shared/provider-presets';
